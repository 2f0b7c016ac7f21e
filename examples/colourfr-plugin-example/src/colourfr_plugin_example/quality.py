"""The ``laplacian-sharpness`` quality estimator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from colourfr.io.status import REASON_EMPTY_CROP, REASON_NO_BBOX
from colourfr.recognition.base import FaceRecord


def laplacian_variance(rgb: np.ndarray) -> float:
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey.astype(np.float64), cv2.CV_64F).var())


class LaplacianSharpness:
    """Score = v / (v + scale), v the variance of the Laplacian of the face box."""

    name = "laplacian-sharpness"

    def __init__(self, scale: float = 100.0) -> None:
        self.scale = float(scale)

    def score(
        self, images: Sequence[np.ndarray], faces: Sequence[FaceRecord]
    ) -> tuple[np.ndarray, list[str | None]]:
        scores = np.full(len(images), np.nan)
        reasons: list[str | None] = [None] * len(images)
        for index, (image, face) in enumerate(zip(images, faces)):
            if face.bbox is None:
                reasons[index] = REASON_NO_BBOX
                continue
            x1, y1, x2, y2 = (round(v) for v in face.bbox)
            height, width = image.shape[:2]
            crop = image[max(0, y1) : min(height, y2), max(0, x1) : min(width, x2)]
            if crop.shape[0] < 3 or crop.shape[1] < 3:
                reasons[index] = REASON_EMPTY_CROP
                continue
            if crop.ndim == 2:
                crop = np.repeat(crop[..., None], 3, axis=2)
            variance = laplacian_variance(crop)
            scores[index] = variance / (variance + self.scale)
        return scores, reasons

    def provenance(self) -> dict[str, Any]:
        return {"estimator": self.name, "scale": self.scale, "opencv": cv2.__version__}
