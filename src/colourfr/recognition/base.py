"""The recognition-system interface and the per-image detection record.

A recognition system turns a batch of RGB images into one :class:`FaceRecord` and one
embedding row per image. A failure to acquire (no face, extraction failed) is data:
the record carries the reason and the embedding row is NaN. Nothing raises per image.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from colourfr.errors import PluginRuntimeError

# The failure reasons, re-exported where plugins have always imported them from.
from colourfr.io.status import (
    FAILURE_EXTRACTION,
    FAILURE_NO_FACE,
    FAILURE_TOO_SMALL,
    FAILURE_UNREADABLE,
)
from colourfr.recognition.selection import (
    MIN_IMAGE_SIDE,
    choose_face,
    invalid_image_detail,
    too_small_detail,
)

__all__ = [
    "FAILURE_EXTRACTION",
    "FAILURE_NO_FACE",
    "FAILURE_TOO_SMALL",
    "FAILURE_UNREADABLE",
    "FaceRecord",
    "RecognitionSystem",
]  # re-exported failure reasons included


@dataclass
class FaceRecord:
    """What a system's detector found in one image and which face it used."""

    image_id: str
    failure: str | None = None  # None means acquired
    n_faces: int = 0
    chosen_face: int | None = None
    selection_rule: str = ""
    det_score: float = float("nan")
    bbox: tuple[float, float, float, float] | None = None  # x1, y1, x2, y2 (pixels)
    landmarks: np.ndarray | None = None  # (5, 2): eyes, nose, mouth corners
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def acquired(self) -> bool:
        return self.failure is None


@runtime_checkable
class RecognitionSystem(Protocol):
    """Detect, align and embed faces."""

    name: str
    embedding_dim: int

    def process(
        self, images: Sequence[np.ndarray], image_ids: Sequence[str]
    ) -> tuple[list[FaceRecord], np.ndarray]:
        """Images are (H, W, 3) uint8 RGB. Returns records and an (N, D) float32 matrix
        whose rows are L2-normalised embeddings, NaN where the record has a failure."""
        ...

    def provenance(self) -> dict[str, Any]: ...


def l2_normalise_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows divided by their L2 norm; second value marks rows that were usable
    (finite and non-zero norm)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    usable = np.isfinite(norms) & (norms > 0)
    out = np.full_like(matrix, np.nan)
    out[usable] = matrix[usable] / norms[usable, None]
    return out, usable


class AlignedEmbedder(abc.ABC):
    """Base of recognition systems that locate and align one face per image, then embed
    all aligned faces of a batch at once.

    :meth:`process` gathers the aligned faces, embeds them in one call, and scatters the
    embeddings back to image order, with failures recorded per image; subclasses give
    :meth:`locate` (detect, choose, align; fill in the record) and :meth:`embed_faces`.
    """

    #: The system's name in records and provenance.
    name: str
    #: Length of an embedding row.
    embedding_dim: int
    #: Which face of several is used (colourfr.recognition.selection), per record.
    selection_rule: str = "largest"
    #: Images with a shorter side below this are recorded as too small by :meth:`screen`.
    min_image_side: int = MIN_IMAGE_SIDE

    @abc.abstractmethod
    def locate(self, image: Any, record: FaceRecord) -> np.ndarray | None:
        """The aligned face of ``image``, or None with ``record.failure`` set."""

    @abc.abstractmethod
    def embed_faces(self, faces: list[np.ndarray]) -> np.ndarray:
        """An (N, D) matrix of raw (not yet normalised) embeddings of aligned faces."""

    def screen(self, image: Any, record: FaceRecord) -> bool:
        """Whether ``image`` can go to a detector at all; if not, ``record`` says why
        (unreadable, or smaller than :attr:`min_image_side`). A :meth:`locate` calls it
        first, so that such images are failures to acquire, never exceptions."""
        detail = invalid_image_detail(image)
        if detail is not None:
            record.failure, record.detail = FAILURE_UNREADABLE, detail
            return False
        detail = too_small_detail(image, self.min_image_side)
        if detail is not None:
            record.failure, record.detail = FAILURE_TOO_SMALL, detail
            return False
        return True

    def choose(
        self, record: FaceRecord, boxes: np.ndarray, image_shape: Sequence[int]
    ) -> int | None:
        """The index of the face to align among ``boxes`` ((N, 5): x1, y1, x2, y2, score in
        the image's pixels), by :attr:`selection_rule`; fills ``record``'s detection fields,
        or its failure when there is no face."""
        record.n_faces = int(boxes.shape[0])
        chosen = choose_face(boxes[:, :4], tuple(image_shape), self.selection_rule)
        if chosen is None:
            record.failure = FAILURE_NO_FACE
            return None
        record.chosen_face = chosen
        record.det_score = float(boxes[chosen, 4])
        record.bbox = tuple(float(v) for v in boxes[chosen, :4])  # type: ignore[assignment]
        return chosen

    def provenance(self) -> dict[str, Any]:
        """What the embed job logs and records about the system; extend it with the
        model files (and their sha256) and settings that decide the embeddings."""
        return {
            "system": self.name,
            "embedding_dim": int(self.embedding_dim),
            "selection_rule": self.selection_rule,
        }

    #: Whether a call of this object's :meth:`locate` (detector, alignment) and of its
    #: :meth:`embed_faces` (recogniser) has completed in this process: from then on an
    #: exception of that part is a property of the image that raised it.
    _locate_works: bool = False
    _embed_works: bool = False

    def process(
        self, images: Sequence[np.ndarray], image_ids: Sequence[str]
    ) -> tuple[list[FaceRecord], np.ndarray]:
        """Locate every face, embed the aligned ones in one call, scatter back.

        An exception of :meth:`locate` or :meth:`embed_faces` is the image's (recorded as
        an extraction failure with the error text) only where the runtime provably works:
        another image of the job went through it. Where none did (a missing operator, a
        CUDA error, a broken model), it raises :class:`PluginRuntimeError`: an error of
        the machine fails the job, never the samples. A batch the recogniser refuses is
        retried face by face, so that one bad face does not fail its batch."""
        if len(images) != len(image_ids):
            raise ValueError(f"{len(images)} images but {len(image_ids)} image ids")
        records = [
            FaceRecord(image_id=str(i), selection_rule=self.selection_rule) for i in image_ids
        ]
        embeddings = np.full((len(images), self.embedding_dim), np.nan, dtype=np.float32)
        faces: list[np.ndarray] = []
        rows: list[int] = []
        located: list[tuple[int, BaseException]] = []
        embedded: list[tuple[int, BaseException]] = []
        for row, (image, record) in enumerate(zip(images, records)):
            try:
                face = self.locate(image, record)
            except Exception as exc:  # noqa: BLE001 - attributed below
                located.append((row, exc))
                continue
            self._locate_works = True
            if face is not None:
                faces.append(face)
                rows.append(row)
        raw: dict[int, np.ndarray] = {}
        if faces:
            try:
                matrix = self._checked_embeddings(self.embed_faces(faces), len(faces))
                raw = dict(zip(rows, matrix))
                self._embed_works = True
            except PluginRuntimeError:
                raise
            except Exception:  # noqa: BLE001 - retried face by face, attributed below
                for row, face in zip(rows, faces):
                    try:
                        raw[row] = self._checked_embeddings(self.embed_faces([face]), 1)[0]
                        self._embed_works = True
                    except PluginRuntimeError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - attributed below
                        embedded.append((row, exc))
        for where, raised, works in (
            ("detector or alignment error", located, self._locate_works),
            ("recogniser error", embedded, self._embed_works),
        ):
            if raised and not works:
                first_row, first_error = raised[0]
                raise PluginRuntimeError(
                    f"recognition system {self.name}: {where} on every image, e.g. "
                    f"{records[first_row].image_id!r}: {type(first_error).__name__}: {first_error}"
                ) from first_error
            for failed_row, error in raised:
                records[failed_row].failure = FAILURE_EXTRACTION
                records[failed_row].detail = f"{where}: {type(error).__name__}: {error}"
        if raw:
            ordered = sorted(raw)
            normalised, usable = l2_normalise_rows(np.stack([raw[r] for r in ordered]))
            for position, row in enumerate(ordered):
                if usable[position]:
                    embeddings[row] = normalised[position]
                else:
                    records[row].failure = FAILURE_EXTRACTION
                    records[row].detail = "embedding not finite or zero"
        return records, embeddings

    def _checked_embeddings(self, matrix: Any, n_faces: int) -> np.ndarray:
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.shape != (n_faces, self.embedding_dim):
            raise PluginRuntimeError(
                f"recognition system {self.name}: embed_faces returned shape {matrix.shape} "
                f"for {n_faces} faces; expected ({n_faces}, {self.embedding_dim})"
            )
        return matrix
