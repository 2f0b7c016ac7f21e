"""Choosing one face when a detector finds several in an image.

Verification compares one face per image, so when a detector returns several faces
the system must pick one, and the rule it used is part of the result (it is recorded
per image in ``FaceRecord.selection_rule``). Three rules are offered:

``largest``
    the face with the largest bounding-box area (dataset images are usually framed
    around the subject, who is then the largest face);
``most_central``
    the face whose box centre is nearest the image centre;
``largest_central``
    InsightFace's own ranking (``SCRFD.detect(max_num=...)``, metric ``default``):
    area minus twice the squared distance of the box centre from the image centre,
    which prefers big faces but penalises ones far from the centre.

Ties keep the earliest face in detector order (the detectors sort by score), so the
choice is deterministic.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

SelectionRule = Literal["largest", "most_central", "largest_central"]
SELECTION_RULES: tuple[str, ...] = get_args(SelectionRule)

#: Weight of the squared centre offset in ``largest_central`` (InsightFace's value).
CENTRE_OFFSET_WEIGHT = 2.0


def box_areas(boxes: np.ndarray) -> np.ndarray:
    """Areas of (N, 4) boxes given as x1, y1, x2, y2; degenerate boxes have area 0."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    widths = np.clip(boxes[:, 2] - boxes[:, 0], 0.0, None)
    heights = np.clip(boxes[:, 3] - boxes[:, 1], 0.0, None)
    return widths * heights


def squared_centre_offsets(boxes: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """Squared distance of each box centre from the centre of an (H, W, ...) image."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    height, width = image_shape[0], image_shape[1]
    centre_x = (boxes[:, 0] + boxes[:, 2]) / 2.0 - width / 2.0
    centre_y = (boxes[:, 1] + boxes[:, 3]) / 2.0 - height / 2.0
    return centre_x**2 + centre_y**2


def selection_scores(boxes: np.ndarray, image_shape: tuple[int, ...], rule: str) -> np.ndarray:
    """Per-face score under ``rule``; the chosen face has the highest score."""
    if rule == "largest":
        return box_areas(boxes)
    if rule == "most_central":
        return -squared_centre_offsets(boxes, image_shape)
    if rule == "largest_central":
        return box_areas(boxes) - CENTRE_OFFSET_WEIGHT * squared_centre_offsets(boxes, image_shape)
    raise ValueError(f"unknown face selection rule {rule!r}; known: {', '.join(SELECTION_RULES)}")


def choose_face(boxes: np.ndarray, image_shape: tuple[int, ...], rule: str) -> int | None:
    """Index of the face to use, or None when there is no face.

    ``np.argmax`` returns the first maximum, which gives the detector-order tie-break.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if boxes.shape[0] == 0:
        return None
    return int(np.argmax(selection_scores(boxes, image_shape, rule)))


# --- Per-image guards shared by the recognition systems ----------------------------------
# (They decide, before any detector runs, whether an image can be processed at all, and
# give huge images a detection-sized copy; both systems apply the same rules.)

#: Images whose shorter side is below this are recorded as ``too_small``: no detector
#: here finds a face in fewer pixels, and 5-point alignment would upsample noise.
MIN_IMAGE_SIDE = 32


def invalid_image_detail(image: object) -> str | None:
    """Why ``image`` is not an (H, W, 3) uint8 array, or None when it is."""
    if not isinstance(image, np.ndarray):
        return f"expected a numpy array, got {type(image).__name__}"
    if image.dtype != np.uint8:
        return f"expected uint8 pixels, got {image.dtype}"
    if image.ndim != 3 or image.shape[2] != 3:
        return f"expected an (H, W, 3) RGB array, got shape {image.shape}"
    return None


def too_small_detail(image: np.ndarray, min_side: int = MIN_IMAGE_SIDE) -> str | None:
    """A failure detail when the image's shorter side is below ``min_side`` pixels."""
    height, width = image.shape[:2]
    if min(height, width) < min_side:
        return f"{width}x{height} px, shorter side below {min_side} px"
    return None


def detection_scale(image_shape: tuple[int, ...], max_side: int) -> float:
    """Factor (<= 1) to shrink an image so its longer side is at most ``max_side``.

    Huge images (a longer side above 8000 px) are detected on a shrunken copy: the
    detectors work at a few hundred pixels anyway (SCRFD resizes to det_size with
    bilinear interpolation, which aliases badly over large factors), so an area-averaged
    copy loses nothing and bounds the time and memory. Landmarks are mapped back to the
    original pixels and alignment samples the original image, so no detail is lost in
    the crop the recogniser sees.
    """
    longer = max(image_shape[0], image_shape[1])
    if max_side <= 0 or longer <= max_side:
        return 1.0
    return max_side / float(longer)
