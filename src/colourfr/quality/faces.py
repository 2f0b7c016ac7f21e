"""Turning a detection record into the face input a quality estimator expects.

The estimators never run a detector of their own: they use the face the recognition
system chose (``FaceRecord``), so quality and recognition look at the same face. This
module holds the small, pure geometry steps they share: cropping to the detector's box
and similarity alignment with the five landmarks.

Landmark order is InsightFace's, left/right as seen in the image: left eye, right eye,
nose tip, left mouth corner, right mouth corner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Reasons recorded (with a NaN score) when an image cannot be assessed.
from colourfr.io.status import (
    REASON_ALIGNMENT_FAILED,
    REASON_BAD_IMAGE,
    REASON_EMPTY_CROP,
    REASON_NO_BBOX,
    REASON_NO_LANDMARKS,
)
from colourfr.recognition.base import FaceRecord
from colourfr.resampling import opencv4_warp_affine

# REASON_ALIGNMENT_FAILED is re-exported: estimators have imported it from here.
__all__ = [
    "REASON_ALIGNMENT_FAILED",
    "crop_bounds",
    "crop_to_bbox",
    "similarity_transform",
    "transform_points",
    "unusable_reason",
    "warp",
]


def unusable_reason(image: np.ndarray, face: FaceRecord, needs: str) -> str | None:
    """Why ``face`` cannot be assessed (``needs`` is "bbox" or "landmarks"), else None.

    A detection failure keeps its own reason (e.g. ``no_face``), so the quality table
    says why recognition had nothing to offer.
    """
    if face.failure is not None:
        return face.failure
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        return REASON_BAD_IMAGE
    if needs == "bbox":
        if face.bbox is None or not all(math.isfinite(v) for v in face.bbox):
            return REASON_NO_BBOX
        if crop_bounds(face.bbox, image.shape) is None:
            return REASON_EMPTY_CROP
    elif needs == "landmarks":
        if face.landmarks is None:
            return REASON_NO_LANDMARKS
        points = np.asarray(face.landmarks, dtype=np.float64)
        if points.shape != (5, 2) or not np.all(np.isfinite(points)):
            return REASON_NO_LANDMARKS
    else:  # pragma: no cover - programming error
        raise ValueError(f"unknown requirement {needs!r}")
    return None


def crop_bounds(
    bbox: Sequence[float], image_shape: tuple[int, ...]
) -> tuple[int, int, int, int] | None:
    """Integer pixel bounds (x1, y1, x2, y2), end-exclusive, of a box clipped to the image.

    The box is widened outward to whole pixels (floor of the start, ceil of the end) so
    every pixel the detector's box touches is kept. None when nothing is left.
    """
    height, width = int(image_shape[0]), int(image_shape[1])
    x1 = max(0, math.floor(bbox[0]))
    y1 = max(0, math.floor(bbox[1]))
    x2 = min(width, math.ceil(bbox[2]))
    y2 = min(height, math.ceil(bbox[3]))
    if x2 <= x1 or y2 <= y1:
        return None
    return x1, y1, x2, y2


def crop_to_bbox(image: np.ndarray, bbox: Sequence[float]) -> np.ndarray:
    """The detector's face box cut out of ``image`` (clipped to the image)."""
    bounds = crop_bounds(bbox, image.shape)
    if bounds is None:
        raise ValueError(
            f"box {tuple(bbox)} lies outside the {image.shape[1]}x{image.shape[0]} image"
        )
    x1, y1, x2, y2 = bounds
    return image[y1:y2, x1:x2]


def similarity_transform(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation) mapping source to
    target points, as a 2x3 matrix (Umeyama 1991, without reflection).

    This is what ``skimage.transform.SimilarityTransform.estimate`` computes; written
    out so the estimators do not depend on scikit-image's API.
    """
    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if source.shape != target.shape or source.ndim != 2 or source.shape[1] != 2:
        raise ValueError(f"point sets must both be (N, 2), got {source.shape} and {target.shape}")
    n = source.shape[0]
    source_mean = source.mean(axis=0)
    target_mean = target.mean(axis=0)
    source_centred = source - source_mean
    target_centred = target - target_mean
    covariance = target_centred.T @ source_centred / n
    u, singular, vt = np.linalg.svd(covariance)
    reflection = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        reflection[1, 1] = -1.0
    rotation = u @ reflection @ vt
    source_variance = (source_centred**2).sum() / n
    if source_variance == 0.0:
        raise ValueError("cannot align: all source points coincide")
    scale = float(np.trace(np.diag(singular) @ reflection)) / source_variance
    matrix = np.empty((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = target_mean - scale * rotation @ source_mean
    return matrix


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine matrix to (N, 2) points."""
    points = np.asarray(points, dtype=np.float64)
    return points @ matrix[:, :2].T + matrix[:, 2]


def warp(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``cv2.warpAffine`` with bilinear interpolation and a black border (the default
    both reference implementations use), as OpenCV 4.x computes it whatever OpenCV is
    installed (:func:`colourfr.resampling.opencv4_warp_affine`). ``size`` is (width, height)."""
    return opencv4_warp_affine(image, matrix, size, border_value=0)
