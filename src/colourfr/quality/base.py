"""The sample-quality interface.

A quality estimator scores each image, given the image (RGB uint8) and the face the
recognition system's detector found in it (FaceQnet crops to that face; LightQNet
aligns with its landmarks). Where there is no face the score is NaN with a reason.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from colourfr.recognition.base import FaceRecord


@runtime_checkable
class QualityEstimator(Protocol):
    name: str

    def score(
        self, images: Sequence[np.ndarray], faces: Sequence[FaceRecord]
    ) -> tuple[np.ndarray, list[str | None]]:
        """Returns (N,) float scores (NaN on failure) and a failure reason per image."""
        ...

    def provenance(self) -> dict[str, Any]: ...


class UnusableFace(Exception):
    """Raised by :meth:`FaceQualityEstimator.prepare`: this face cannot be scored, for
    ``reason`` (a constant of colourfr.io.status), which the quality table records."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FaceQualityEstimator(abc.ABC):
    """Base of estimators that score each face from what its detector found: the family
    owns detect -> prepare -> score -> record. A subclass gives :meth:`prepare` (one
    face's network input, from the record's box or landmarks) and :meth:`predict` (the
    scores of a batch of prepared faces); faces the record says cannot be used, and those
    :meth:`prepare` refuses, get their reason and a NaN score, never an exception."""

    #: The estimator's name in tables and provenance.
    name: str
    #: What of the face record :meth:`prepare` reads: the detector's box, or its five
    #: landmarks (then the spec sets ``needs_five_landmarks``).
    needs: Literal["bbox", "landmarks"] = "bbox"

    @abc.abstractmethod
    def prepare(self, image: np.ndarray, face: FaceRecord) -> np.ndarray:
        """One face's input to :meth:`predict`; raise :class:`UnusableFace` to refuse it."""

    @abc.abstractmethod
    def predict(self, prepared: list[np.ndarray]) -> np.ndarray:
        """(N,) float scores of N prepared faces, in their order."""

    def score(
        self, images: Sequence[np.ndarray], faces: Sequence[FaceRecord]
    ) -> tuple[np.ndarray, list[str | None]]:
        from colourfr.quality.faces import unusable_reason

        if len(images) != len(faces):
            raise ValueError(f"{len(images)} images but {len(faces)} face records")
        scores = np.full(len(images), np.nan)
        reasons: list[str | None] = [None] * len(images)
        prepared: list[np.ndarray] = []
        positions: list[int] = []
        for index, (image, face) in enumerate(zip(images, faces)):
            reason = unusable_reason(image, face, self.needs)
            if reason is None:
                try:
                    prepared.append(self.prepare(image, face))
                    positions.append(index)
                    continue
                except UnusableFace as refused:
                    reason = refused.reason
            reasons[index] = reason
        if prepared:
            scores[positions] = np.asarray(self.predict(prepared), dtype=np.float64)
        return scores, reasons

    def provenance(self) -> dict[str, Any]:
        """What the quality job logs and records; extend it with the model files (and their
        sha256) and settings that decide the scores."""
        return {"estimator": self.name, "input": self.needs}
