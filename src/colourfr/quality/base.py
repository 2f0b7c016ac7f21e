"""The sample-quality interface.

A quality estimator scores each image, given the image (RGB uint8) and the face the
recognition system's detector found in it (FaceQnet crops to that face; LightQNet
aligns with its landmarks). Where there is no face the score is NaN with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

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
