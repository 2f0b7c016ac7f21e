"""The ``laplacian-sharpness`` quality estimator."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from colourfr.io.status import REASON_EMPTY_CROP
from colourfr.quality.base import FaceQualityEstimator, UnusableFace
from colourfr.recognition.base import FaceRecord


def laplacian_variance(rgb: np.ndarray) -> float:
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey.astype(np.float64), cv2.CV_64F).var())


class LaplacianSharpness(FaceQualityEstimator):
    """Score = v / (v + scale), v the variance of the Laplacian of the face box.

    The base class owns the loop over the batch and the reasons of faces the detector
    did not find; this class gives one face's crop and the scores of a batch."""

    name = "laplacian-sharpness"
    needs = "bbox"

    def __init__(self, scale: float = 100.0) -> None:
        self.scale = float(scale)

    def prepare(self, image: np.ndarray, face: FaceRecord) -> np.ndarray:
        assert face.bbox is not None  # the base class checked that the record has one
        x1, y1, x2, y2 = (round(v) for v in face.bbox)
        height, width = image.shape[:2]
        crop = image[max(0, y1) : min(height, y2), max(0, x1) : min(width, x2)]
        if crop.shape[0] < 3 or crop.shape[1] < 3:
            raise UnusableFace(REASON_EMPTY_CROP)
        return crop

    def predict(self, prepared: list[np.ndarray]) -> np.ndarray:
        variances = np.array([laplacian_variance(crop) for crop in prepared])
        return variances / (variances + self.scale)

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "scale": self.scale, "opencv": cv2.__version__}
