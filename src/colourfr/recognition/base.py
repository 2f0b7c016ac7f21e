"""The recognition-system interface and the per-image detection record.

A recognition system turns a batch of RGB images into one :class:`FaceRecord` and one
embedding row per image. A failure to acquire (no face, extraction failed) is data:
the record carries the reason and the embedding row is NaN. Nothing raises per image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

# The failure reasons, re-exported where plugins have always imported them from.
from colourfr.io.status import (
    FAILURE_EXTRACTION,
    FAILURE_NO_FACE,
    FAILURE_TOO_SMALL,
    FAILURE_UNREADABLE,
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
