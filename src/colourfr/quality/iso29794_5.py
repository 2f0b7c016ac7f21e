"""The ISO/IEC 29794-5 quality components that colourisation changes.

Implemented from the definitions of ISO/IEC 29794-5 as documented by OFIQ, the
standard's open reference implementation (BSI-OFIQ/OFIQ-Project: ``NaturalColour``,
``Luminance``, ``DynamicRange``, ``UnderExposurePrevention``, ``OverExposurePrevention``
and their quality mappings). Every component yields a *native quality measure* and a
*quality component value* in [0, 100]:

===================  ===========================================  ==========================================
component            native value                                 quality component value
===================  ===========================================  ==========================================
natural_colour       D: distance of the mean (a*, b*) of two      round(200 (1 - sigmoid(D; 0, 10)))
                     cheek regions from the box a* in [5, 25],
                     b* in [5, 35]; 100 if a* < 0 or b* < 0
luminance_mean       mean luminance of the face region, [0, 1]    round(100 s(m; .2, .05) (1 - s(m; .8, .05)))
luminance_variance   variance of that luminance                   round(100 sin(pi 60v / (60v + 1)))
dynamic_range        entropy (bits) of the face-region            12.5 H
                     luminance histogram (256 bins)
under_exposure       fraction of face pixels with luminance       round(120 (0.832 - sigmoid(x; 0.92, 0.05)))
                     in [0, 25]
over_exposure        fraction with luminance in [247, 255]        round(1 / (x + 0.01))
===================  ===========================================  ==========================================

with ``sigmoid(x; x0, w) = 1 / (1 + exp((x0 - x) / w))``; every value is clipped to
[0, 100]. Luminance is CIE Y of the linearised sRGB pixel (IEC 61966-2-1 transfer
function, Rec. 709 primaries: 0.2126, 0.7152, 0.0722) scaled to 0-255 and rounded.
CIELAB uses the sRGB -> XYZ (D50, Bradford-adapted) matrix and the D50 white, applied
to the *mean* sRGB colour of the regions (not the mean of per-pixel Lab), as OFIQ does.

Geometry (what we can do with five landmarks): the face is aligned by a partial affine
(similarity) transform, ``cv2.estimateAffinePartial2D`` with LMEDS, of the five
landmarks onto OFIQ's 616x616 reference points. OFIQ's face region is the convex hull
of 98 ADNet landmarks intersected with a face-parsing mask; with five landmarks we use
a fixed ellipse in the aligned frame spanning the brows to the chin and cheek to cheek
(:data:`FACE_ELLIPSE`), intersected with the pixels that came from inside the source
image (the warp's black border never counts as dark skin). The natural-colour regions
follow OFIQ: squares of side ``int(0.3 * inter-eye distance)`` placed half the
eye-to-mouth distance below each eye centre, on the nose side of the eye; we average
only face-region pixels within them. Exposure components use the face region (OFIQ
also removes occluded pixels with a segmentation network we do not have).

Greyscale (R = G = B) faces. OFIQ's current ``NaturalColour`` first checks whether the
aligned face has any pixel with unequal channels; if not, it reports native value 0,
i.e. quality 100: a greyscale image is not penalised. That is our default
(``achromatic="ofiq"``). Without that check the formula would be applied to a* and b*
that are zero up to round-off whose sign depends on the matrix constants (about -1e-4
and -4e-4 at mid-grey): D = 100, quality 0, or with exact zeros D = sqrt(50), quality 66.
The alternatives, both of which first snap |a*|, |b*| below ``achromatic_tolerance``
(default 0.01, far below a visible tint) to exactly 0:
``achromatic="formula"`` applies the formula to the snapped values (quality 66 for every
achromatic face) and ``achromatic="nan"`` reports natural colour as not applicable
(NaN, reason ``achromatic``). docs/quality.md discusses the choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np

from colourfr.quality.faces import REASON_ALIGNMENT_FAILED, transform_points, unusable_reason, warp
from colourfr.quality.specs import ISO29794_5_COMPONENTS
from colourfr.recognition.base import FaceRecord

# ----------------------------------------------------------------------------- geometry

ALIGNED_SIZE = 616
#: OFIQ's reference points in the 616x616 aligned image, in our landmark order
#: (image-left eye, image-right eye, nose tip, image-left mouth corner, image-right).
REFERENCE_POINTS = np.array(
    [[251, 272], [364, 272], [308, 336], [262, 402], [355, 402]], dtype=np.float32
)
#: Face region in the aligned frame: centre (x, y) and semi-axes (x, y) of an ellipse
#: from the brows (~ y 225) to the chin (~ y 500), cheek to cheek (~ x 195..421).
FACE_ELLIPSE = ((308, 362), (113, 138))

COMPONENTS = ISO29794_5_COMPONENTS

REASON_ACHROMATIC = "achromatic"
REASON_EMPTY_REGION = "empty_face_region"

# ------------------------------------------------------------------ colour conversions

#: sRGB (linear) -> XYZ relative to D50 (Bradford-adapted), IEC 61966-2-1 / ICC.
SRGB_TO_XYZ_D50 = np.array(
    [
        [0.43605, 0.38508, 0.14309],
        [0.22249, 0.71689, 0.06062],
        [0.01393, 0.09710, 0.71419],
    ]
)
D50_WHITE = (0.964221, 1.0, 0.825211)
CIE_EPSILON = 216.0 / 24389.0
CIE_KAPPA = 24389.0 / 27.0
REC709_LUMINANCE = (0.2126, 0.7152, 0.0722)


def srgb_to_linear(values: np.ndarray | float) -> np.ndarray:
    """IEC 61966-2-1 inverse transfer function on values in [0, 1]."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(v > 0.04045, ((v + 0.055) / 1.055) ** 2.4, v / 12.92)


_LINEAR_LUT = srgb_to_linear(np.arange(256) / 255.0)


def luminance_image(rgb: np.ndarray) -> np.ndarray:
    """(H, W) uint8 luminance: Y of linear sRGB, times 255, rounded half up.

    8-bit input has 256 levels per channel, so linearisation is a table look-up."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ValueError(f"expected uint8 RGB, got {rgb.dtype}")
    weights = REC709_LUMINANCE
    y = (
        weights[0] * _LINEAR_LUT[rgb[..., 0]]
        + weights[1] * _LINEAR_LUT[rgb[..., 1]]
        + weights[2] * _LINEAR_LUT[rgb[..., 2]]
    )
    return np.floor(y * 255.0 + 0.5).astype(np.uint8)


def _lab_f(t: float) -> float:
    return math.cbrt(t) if t > CIE_EPSILON else (CIE_KAPPA * t + 16.0) / 116.0


def mean_colour_to_ab(mean_rgb: Sequence[float]) -> tuple[float, float]:
    """CIELAB (a*, b*) under D50 of one sRGB colour given as 0-255 floats."""
    linear = srgb_to_linear(np.asarray(mean_rgb, dtype=np.float64) / 255.0)
    x, y, z = SRGB_TO_XYZ_D50 @ linear
    fx = _lab_f(x / D50_WHITE[0])
    fy = _lab_f(y / D50_WHITE[1])
    fz = _lab_f(z / D50_WHITE[2])
    return 500.0 * (fx - fy), 200.0 * (fy - fz)


# ------------------------------------------------------------------ quality mappings


def sigmoid(x: float, x0: float, w: float) -> float:
    return 1.0 / (1.0 + math.exp((x0 - x) / w))


def round_half_away(value: float) -> float:
    """C/C++ ``round``: halves go away from zero (Python's ``round`` goes to even)."""
    return float(math.copysign(math.floor(abs(value) + 0.5), value))


def _clip100(value: float) -> float:
    return float(min(100.0, max(0.0, value)))


def natural_colour_native(a_star: float, b_star: float) -> float:
    """Distance of (a*, b*) from the natural skin box a* in [5, 25], b* in [5, 35]."""
    if a_star < 0 or b_star < 0:
        return 100.0
    da = max(0.0, 5.0 - a_star, a_star - 25.0)
    db = max(0.0, 5.0 - b_star, b_star - 35.0)
    return math.hypot(da, db)


def natural_colour_quality(distance: float) -> float:
    return _clip100(round_half_away(200.0 * (1.0 - sigmoid(distance, 0.0, 10.0))))


def luminance_mean_quality(mean: float) -> float:
    return _clip100(
        round_half_away(100.0 * sigmoid(mean, 0.2, 0.05) * (1.0 - sigmoid(mean, 0.8, 0.05)))
    )


def luminance_variance_quality(variance: float) -> float:
    return _clip100(
        round_half_away(100.0 * math.sin(math.pi * 60.0 * variance / (60.0 * variance + 1.0)))
    )


def dynamic_range_quality(entropy_bits: float) -> float:
    # Rounded like every other component: quality component values are integers, and
    # OFIQ's DynamicRange.cpp rounds (round(12.5 * rawScore)) in its later sources.
    return _clip100(round_half_away(12.5 * entropy_bits))


def under_exposure_quality(dark_fraction: float) -> float:
    return _clip100(round_half_away(120.0 * (0.832 - sigmoid(dark_fraction, 0.92, 0.05))))


def over_exposure_quality(bright_fraction: float) -> float:
    return _clip100(round_half_away(1.0 / (bright_fraction + 0.01)))


# ------------------------------------------------------------ measures on a face region


def luminance_statistics(luminance: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    """Native values of the luminance-based components over ``mask`` (bool; None: all)."""
    values = luminance if mask is None else luminance[mask]
    if values.size == 0:
        raise ValueError("empty face region")
    histogram = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    probabilities = histogram / values.size
    levels = np.arange(256) / 255.0
    mean = float((probabilities * levels).sum())
    variance = float((probabilities * (levels - mean) ** 2).sum())
    nonzero = probabilities[probabilities > 0]
    entropy = float(-(nonzero * np.log2(nonzero)).sum())
    return {
        "luminance_mean": mean,
        "luminance_variance": variance,
        "dynamic_range": entropy,
        "under_exposure": float(probabilities[0:26].sum()),
        "over_exposure": float(probabilities[247:256].sum()),
    }


def natural_colour_regions(aligned_landmarks: np.ndarray) -> tuple[tuple[int, int, int, int], ...]:
    """The two cheek squares (x, y, width, height) in the aligned frame, OFIQ's rule."""
    # OFIQ rounds aligned landmarks with C round (half away from zero; coordinates >= 0).
    points = np.floor(np.asarray(aligned_landmarks, dtype=np.float64) + 0.5)
    left_eye, right_eye = points[0], points[1]
    mouth_centre = points[3:5].mean(axis=0)
    inter_eye = float(np.linalg.norm(right_eye - left_eye))
    eye_mouth = float(np.linalg.norm((left_eye + right_eye) / 2.0 - mouth_centre))
    side = int(inter_eye * 0.3)
    drop = int(eye_mouth / 2.0)
    # On the nose side of each eye: right of the image-left eye, left of the other.
    left_region = (int(left_eye[0]), int(left_eye[1]) + drop, side, side)
    right_region = (int(right_eye[0]) - side, int(right_eye[1]) + drop, side, side)
    return left_region, right_region


def region_mask(shape: tuple[int, int], regions: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for x, y, w, h in regions:
        mask[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)] = True
    return mask


def face_ellipse_mask(size: int = ALIGNED_SIZE) -> np.ndarray:
    mask = np.zeros((size, size), dtype=np.uint8)
    cv2.ellipse(mask, FACE_ELLIPSE[0], FACE_ELLIPSE[1], 0.0, 0.0, 360.0, 1, thickness=-1)
    return mask.astype(bool)


_FACE_MASK = face_ellipse_mask()


@dataclass(frozen=True)
class AlignedFace:
    image: np.ndarray  # (616, 616, 3) uint8 RGB
    valid: np.ndarray  # (616, 616) bool: pixel came from inside the source image
    landmarks: np.ndarray  # (5, 2) in the aligned frame


def align(rgb: np.ndarray, landmarks: np.ndarray) -> AlignedFace:
    source = np.asarray(landmarks, dtype=np.float32).reshape(5, 2)
    matrix, _ = cv2.estimateAffinePartial2D(source, REFERENCE_POINTS, method=cv2.LMEDS)
    if matrix is None:
        raise ValueError("landmarks do not define a similarity transform")
    size = (ALIGNED_SIZE, ALIGNED_SIZE)
    aligned = warp(rgb, matrix, size)
    inside = np.full(rgb.shape[:2], 255, dtype=np.uint8)
    # Nearest neighbour keeps the validity mask binary at the image border.
    valid = cv2.warpAffine(inside, matrix, size, flags=cv2.INTER_NEAREST, borderValue=0) > 0
    return AlignedFace(aligned, valid, transform_points(matrix, source))


@dataclass(frozen=True)
class ComponentValues:
    """Native values and quality component values of one face; reasons for NaNs."""

    native: dict[str, float]
    quality: dict[str, float]
    a_star: float
    b_star: float
    notes: dict[str, str]


AchromaticPolicy = Literal["ofiq", "formula", "nan"]
ACHROMATIC_POLICIES: tuple[str, ...] = ("ofiq", "formula", "nan")


def is_greyscale(image: np.ndarray) -> bool:
    """True when every pixel has R = G = B (OFIQ's test, on the aligned face)."""
    return bool(
        np.array_equal(image[..., 0], image[..., 1])
        and np.array_equal(image[..., 1], image[..., 2])
    )


def assess_aligned(
    face: AlignedFace,
    achromatic: AchromaticPolicy = "ofiq",
    achromatic_tolerance: float = 0.01,
) -> ComponentValues:
    region = _FACE_MASK & face.valid
    if not region.any():
        raise ValueError(REASON_EMPTY_REGION)
    # Only the face region's pixels are needed: converting them alone is ~8x cheaper.
    native = luminance_statistics(luminance_image(face.image[region]))
    cheeks = region_mask(region.shape, natural_colour_regions(face.landmarks)) & region
    notes: dict[str, str] = {}
    if cheeks.any():
        mean_rgb = face.image[cheeks].reshape(-1, 3).mean(axis=0)
        a_star, b_star = mean_colour_to_ab(mean_rgb)
        if achromatic == "ofiq":
            # OFIQ: a face without any coloured pixel has native value 0 (quality 100);
            # otherwise the formula applies to the measured a*, b* as they are.
            grey = is_greyscale(face.image)
            native["natural_colour"] = 0.0 if grey else natural_colour_native(a_star, b_star)
        else:
            if abs(a_star) < achromatic_tolerance and abs(b_star) < achromatic_tolerance:
                a_star, b_star = 0.0, 0.0
                if achromatic == "nan":
                    notes["natural_colour"] = REASON_ACHROMATIC
            native["natural_colour"] = (
                float("nan") if "natural_colour" in notes else natural_colour_native(a_star, b_star)
            )
    else:
        a_star = b_star = float("nan")
        native["natural_colour"] = float("nan")
        notes["natural_colour"] = REASON_EMPTY_REGION
    mappings = {
        "natural_colour": natural_colour_quality,
        "luminance_mean": luminance_mean_quality,
        "luminance_variance": luminance_variance_quality,
        "dynamic_range": dynamic_range_quality,
        "under_exposure": under_exposure_quality,
        "over_exposure": over_exposure_quality,
    }
    quality = {
        name: (float("nan") if math.isnan(native[name]) else mapping(native[name]))
        for name, mapping in mappings.items()
    }
    return ComponentValues(native, quality, float(a_star), float(b_star), notes)


class ISO29794_5:
    """Quality estimator ``iso29794-5``: the colour/exposure components as columns.

    ``score`` returns the quality component value of ``headline`` (default natural
    colour); :meth:`score_details` adds every component's native and quality value.
    """

    name = "iso29794-5"

    def __init__(
        self,
        headline: str = "natural_colour",
        achromatic: AchromaticPolicy = "ofiq",
        achromatic_tolerance: float = 0.01,
    ) -> None:
        if headline not in COMPONENTS:
            raise ValueError(f"headline must be one of {COMPONENTS}, got {headline!r}")
        if achromatic not in ACHROMATIC_POLICIES:
            raise ValueError(f"achromatic must be one of {ACHROMATIC_POLICIES}, got {achromatic!r}")
        self.headline = headline
        self.achromatic = achromatic
        self.achromatic_tolerance = float(achromatic_tolerance)

    def score_details(
        self, images: Sequence[np.ndarray], faces: Sequence[FaceRecord]
    ) -> tuple[np.ndarray, list[str | None], dict[str, np.ndarray]]:
        if len(images) != len(faces):
            raise ValueError(f"{len(images)} images but {len(faces)} face records")
        n = len(images)
        columns: dict[str, np.ndarray] = {
            "a_star": np.full(n, np.nan),
            "b_star": np.full(n, np.nan),
        }
        for name in COMPONENTS:
            columns[f"{name}_native"] = np.full(n, np.nan)
            columns[f"{name}_quality"] = np.full(n, np.nan)
        reasons: list[str | None] = [None] * n
        for index, (image, face) in enumerate(zip(images, faces)):
            reason = unusable_reason(image, face, "landmarks")
            if reason is None:
                try:
                    values = assess_aligned(
                        align(image, np.asarray(face.landmarks)),
                        self.achromatic,
                        self.achromatic_tolerance,
                    )
                except ValueError as exc:
                    reason = (
                        str(exc) if str(exc) == REASON_EMPTY_REGION else REASON_ALIGNMENT_FAILED
                    )
            if reason is not None:
                reasons[index] = reason
                continue
            columns["a_star"][index] = values.a_star
            columns["b_star"][index] = values.b_star
            for name in COMPONENTS:
                columns[f"{name}_native"][index] = values.native[name]
                columns[f"{name}_quality"][index] = values.quality[name]
            reasons[index] = values.notes.get(self.headline)
        scores = columns[f"{self.headline}_quality"].copy()
        return scores, reasons, columns

    def score(
        self, images: Sequence[np.ndarray], faces: Sequence[FaceRecord]
    ) -> tuple[np.ndarray, list[str | None]]:
        scores, reasons, _ = self.score_details(images, faces)
        return scores, reasons

    def provenance(self) -> dict[str, Any]:
        return {
            "estimator": self.name,
            "standard": "ISO/IEC 29794-5 (definitions as documented by OFIQ)",
            "headline": self.headline,
            "achromatic": self.achromatic,
            "achromatic_tolerance": self.achromatic_tolerance,
            "alignment": "cv2.estimateAffinePartial2D(LMEDS) of 5 landmarks to OFIQ's 616x616 points",
            "face_region": f"ellipse centre {FACE_ELLIPSE[0]} semi-axes {FACE_ELLIPSE[1]} in the aligned frame",
            "opencv": cv2.__version__,
        }
