"""Skin tone of a face: CIELAB means, hue angle and the individual typology angle (ITA).

The measurement region is fixed in aligned-face coordinates (the 112x112 ArcFace
template of the five landmarks) and mapped into each image with the similarity
transform that aligns the image's landmarks to the template, so it stays on the same
skin under rotation, scale and translation: two cheek patches beside the nose, below the
eyes and above the mouth corners, and a forehead patch above the eyebrows and below the
usual hairline. Eyes, brows, nose, mouth, hair and background lie outside all three
(docs/metrics.md, "Skin tone"; the figure ``docs/figures/skin_region.png``).

Colour: sRGB (IEC 61966-2-1) -> linear RGB -> CIE XYZ -> CIE L*a*b* (CIE 15:2004), with
the reference white the XYZ of sRGB white (D65), so a grey pixel has a* = b* = 0
exactly. The statistics are the means of L*, a*, b* over the region's pixels; the hue
angle h = atan2(b*, a*) and ITA = atan((L* - 50) / b*) x 180 / pi are computed from the
means (Chardon et al. 1991). ITA is undefined when b* = 0 (a greyscale image).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from colourfr.errors import ConfigError, ImageReadError
from colourfr.io.status import REASON_NO_LANDMARKS

#: ArcFace's 112x112 alignment template (InsightFace ``arcface_dst``): left eye, right
#: eye, nose tip, left and right mouth corner, as seen in the image.
ALIGNED_SIZE = 112
ALIGNED_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ]
)

#: Skin patches as (x0, y0, x1, y1) in template pixels, inclusive bounds. Cheeks: level
#: with the nose tip (y 66-82: below the lower rims of most spectacles, ~64, and above the
#: mouth corners at ~92), outside the nose's wings (x < 44 and x > 68) and inside the
#: face's outline. Forehead: between the brows' top (~38) and the hairline of most faces
#: (~20). Checked by eye on LFW faces with and without glasses, headbands and fringes.
SKIN_PATCHES: dict[str, tuple[float, float, float, float]] = {
    "left_cheek": (28.0, 66.0, 43.0, 82.0),
    "right_cheek": (69.0, 66.0, 84.0, 82.0),
    "forehead": (44.0, 24.0, 68.0, 34.0),
}

#: Failure reasons of a skin-tone measurement (besides the recognition record's own).
REASON_NO_SKIN_PIXELS = "no_skin_pixels"

# sRGB primaries to XYZ (IEC 61966-2-1 / the matrix scikit-image uses); the white point
# is its row sums, so that R = G = B maps to a* = b* = 0.
_XYZ_FROM_LINEAR = np.array(
    [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ]
)
_WHITE = _XYZ_FROM_LINEAR.sum(axis=1)
_DELTA = 6.0 / 29.0


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """8-bit (or [0, 1] float) sRGB to linear RGB in [0, 1]."""
    values = np.asarray(rgb, dtype=np.float64)
    if np.issubdtype(np.asarray(rgb).dtype, np.integer):
        values = values / 255.0
    return np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB colours; the last axis is the channel axis."""
    xyz = srgb_to_linear(rgb) @ _XYZ_FROM_LINEAR.T / _WHITE
    f = np.where(xyz > _DELTA**3, np.cbrt(xyz), xyz / (3 * _DELTA**2) + 4.0 / 29.0)
    lightness = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def ita_degrees(lightness: float, b: float) -> float:
    """Individual typology angle atan((L* - 50) / b*) in degrees; NaN when b* = 0."""
    if not math.isfinite(lightness) or not math.isfinite(b) or abs(b) < 1e-9:
        return math.nan
    return math.degrees(math.atan((lightness - 50.0) / b))


def hue_degrees(a: float, b: float) -> float:
    """Hue angle atan2(b*, a*) in [0, 360); NaN for a neutral colour."""
    if not math.isfinite(a) or not math.isfinite(b) or math.hypot(a, b) < 1e-9:
        return math.nan
    return math.degrees(math.atan2(b, a)) % 360.0


def hue_difference(hue_to: float, hue_from: float) -> float:
    """Signed hue change hue_to - hue_from in (-180, 180] degrees."""
    difference = (hue_to - hue_from) % 360.0
    return difference - 360.0 if difference > 180.0 else difference


def ciede2000(lab_1: Sequence[float], lab_2: Sequence[float]) -> float:
    """CIEDE2000 colour difference (k_L = k_C = k_H = 1; Sharma, Wu and Dalal 2005), by
    scikit-image, as the colour-fidelity table computes it."""
    from skimage.color import deltaE_ciede2000

    return float(
        deltaE_ciede2000(np.asarray(lab_1, dtype=np.float64), np.asarray(lab_2, dtype=np.float64))
    )


# -- the region --------------------------------------------------------------------------


def _image_to_template(landmarks: np.ndarray) -> np.ndarray:
    from colourfr.quality.faces import similarity_transform

    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    return similarity_transform(points, ALIGNED_TEMPLATE)


def skin_region_mask(
    image_shape: tuple[int, ...],
    landmarks: np.ndarray,
    patches: Mapping[str, tuple[float, float, float, float]] = SKIN_PATCHES,
) -> np.ndarray:
    """Boolean (H, W) mask of the pixels whose centre maps into a skin patch of the
    aligned face (pixel (x, y) has its centre at integer coordinates, as the detector's
    landmarks and ``cv2.warpAffine`` do)."""
    height, width = int(image_shape[0]), int(image_shape[1])
    forward = _image_to_template(landmarks)
    inverse = np.linalg.inv(np.vstack([forward, [0.0, 0.0, 1.0]]))[:2]
    mask = np.zeros((height, width), dtype=bool)
    for x0, y0, x1, y1 in patches.values():
        corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]]) @ inverse[:, :2].T
        corners += inverse[:, 2]
        left = max(0, math.floor(corners[:, 0].min()))
        right = min(width - 1, math.ceil(corners[:, 0].max()))
        top = max(0, math.floor(corners[:, 1].min()))
        bottom = min(height - 1, math.ceil(corners[:, 1].max()))
        if right < left or bottom < top:
            continue
        ys, xs = np.mgrid[top : bottom + 1, left : right + 1]
        u = forward[0, 0] * xs + forward[0, 1] * ys + forward[0, 2]
        v = forward[1, 0] * xs + forward[1, 1] * ys + forward[1, 2]
        inside = (u >= x0) & (u <= x1) & (v >= y0) & (v <= y1)
        mask[top : bottom + 1, left : right + 1] |= inside
    return mask


# -- measurements --------------------------------------------------------------------------


@dataclass(frozen=True)
class SkinTone:
    """Mean CIELAB of a region, with its hue angle and ITA (NaN where undefined)."""

    L: float
    a: float
    b: float
    hue: float
    ita: float
    n_pixels: int
    failure: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def failed_tone(reason: str) -> SkinTone:
    return SkinTone(math.nan, math.nan, math.nan, math.nan, math.nan, 0, reason)


def tone_of_pixels(rgb_pixels: np.ndarray) -> SkinTone:
    """The skin tone of (N, 3) uint8 sRGB pixels."""
    pixels = np.asarray(rgb_pixels).reshape(-1, 3)
    if pixels.shape[0] == 0:
        return failed_tone(REASON_NO_SKIN_PIXELS)
    lightness, a, b = (float(v) for v in srgb_to_lab(pixels).mean(axis=0))
    return SkinTone(
        L=lightness,
        a=a,
        b=b,
        hue=hue_degrees(a, b),
        ita=ita_degrees(lightness, b),
        n_pixels=int(pixels.shape[0]),
    )


def face_skin_tone(image: np.ndarray, landmarks: np.ndarray | None) -> SkinTone:
    """The skin tone of ``image`` (H, W, 3 uint8 RGB) in the region the five landmarks
    place; a recorded failure when there are no landmarks or no pixel falls in it."""
    if landmarks is None or not np.all(np.isfinite(np.asarray(landmarks, dtype=float))):
        return failed_tone(REASON_NO_LANDMARKS)
    mask = skin_region_mask(image.shape, landmarks)
    return tone_of_pixels(image[mask])


# -- groups --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItaBin:
    name: str
    lower: float  # exclusive; -inf for the lowest bin
    upper: float  # inclusive; +inf for the highest bin


UNKNOWN_GROUP = "unknown"

#: Chardon, Cretois and Hourseau (1991), as used in most ITA studies since.
CHARDON_BINS = (
    {"name": "very light", "min": 55},
    {"name": "light", "min": 41, "max": 55},
    {"name": "intermediate", "min": 28, "max": 41},
    {"name": "tan", "min": 10, "max": 28},
    {"name": "brown", "min": -30, "max": 10},
    {"name": "dark", "max": -30},
)


def ita_bins(
    spec: Sequence[Mapping[str, object]], key: str = "skin_tone.groups.bins"
) -> list[ItaBin]:
    """Validated bins from config entries ``{name, min, max}`` (min exclusive, max
    inclusive; omit min for the lowest bin and max for the highest). The bins must tile the
    whole ITA axis: no overlap, no gap; otherwise a ConfigError naming ``key``."""
    bins: list[ItaBin] = []
    for position, entry in enumerate(spec):
        name = str(entry.get("name", "")).strip()
        if not name or name == UNKNOWN_GROUP:
            raise ConfigError(f"{key}[{position}]: every bin needs a name other than 'unknown'")
        lower = entry.get("min")
        upper = entry.get("max")
        bins.append(
            ItaBin(
                name,
                -math.inf if lower is None else float(lower),  # type: ignore[arg-type]
                math.inf if upper is None else float(upper),  # type: ignore[arg-type]
            )
        )
    if not bins:
        raise ConfigError(f"{key}: at least one bin is needed")
    names = [b.name for b in bins]
    if len(set(names)) != len(names):
        raise ConfigError(f"{key}: bin names repeat: {names}")
    for item in bins:
        if not item.lower < item.upper:
            raise ConfigError(f"{key}: bin {item.name!r} has min {item.lower} >= max {item.upper}")
    ordered = sorted(bins, key=lambda b: b.lower)
    if ordered[0].lower != -math.inf:
        raise ConfigError(
            f"{key}: ITA values <= {ordered[0].lower} fall in no bin (the lowest bin, "
            f"{ordered[0].name!r}, needs no min)"
        )
    if ordered[-1].upper != math.inf:
        raise ConfigError(
            f"{key}: ITA values > {ordered[-1].upper} fall in no bin (the highest bin, "
            f"{ordered[-1].name!r}, needs no max)"
        )
    for below, above in itertools.pairwise(ordered):
        if below.upper < above.lower:
            raise ConfigError(
                f"{key}: gap between bins {below.name!r} (max {below.upper}) and "
                f"{above.name!r} (min {above.lower})"
            )
        if below.upper > above.lower:
            raise ConfigError(
                f"{key}: bins {below.name!r} (max {below.upper}) and {above.name!r} "
                f"(min {above.lower}) overlap"
            )
    return bins


def group_of(ita: float, bins: Sequence[ItaBin]) -> str:
    """The bin whose (min, max] holds ``ita``; 'unknown' for NaN."""
    if not math.isfinite(ita):
        return UNKNOWN_GROUP
    for item in bins:
        if item.lower < ita <= item.upper:
            return item.name
    return UNKNOWN_GROUP  # pragma: no cover - validated bins tile the axis


def subject_groups(
    originals: Sequence[Mapping[str, object]],
    references: Mapping[str, str],
    bins: Sequence[ItaBin],
) -> dict[str, str]:
    """Each subject's group: the ITA of its reference image in original colour; when that
    failed or is missing, the median ITA over the subject's original images; 'unknown'
    when none is valid. ``originals`` rows carry ``image_id``, ``subject_id``, ``ita``;
    ``references`` maps subject to its reference image id."""
    by_subject: dict[str, dict[str, float]] = {}
    for row in originals:
        ita = float(row["ita"])  # type: ignore[arg-type]
        by_subject.setdefault(str(row["subject_id"]), {})[str(row["image_id"])] = ita
    groups: dict[str, str] = {}
    for subject in sorted(set(by_subject) | set(references)):
        values = by_subject.get(subject, {})
        reference_ita = values.get(references.get(subject, ""), math.nan)
        if not math.isfinite(reference_ita):
            valid = [v for v in values.values() if math.isfinite(v)]
            reference_ita = float(np.median(valid)) if valid else math.nan
        groups[subject] = group_of(reference_ita, bins)
    return groups


# -- per shard (workflow) ------------------------------------------------------------------

TONE_COLUMNS = ("image_id", "variant", "L", "a", "b", "hue", "ita", "n_pixels", "failure")


def _landmarks_of(records: pd.DataFrame) -> dict[str, tuple[np.ndarray | None, str | None]]:
    from colourfr.recognition.records import frame_to_records

    return {
        r.image_id: (r.landmarks if r.failure is None else None, r.failure)
        for r in frame_to_records(records)
    }


def shard_skin_tones(records: pd.DataFrame, indexes: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Skin tone of every image of a shard in every variant, in the region placed by the
    landmarks the recognition system found in the *original* image (so every variant is
    measured on the same pixels). ``records``: the original variant's recognition records;
    ``indexes``: variant -> variant index, "original" among them. A failure (the variant
    could not be made, the image does not decode, no face in the original, a size that
    differs from the original's) is recorded with its reason."""
    from colourfr.images import read_rgb
    from colourfr.io.status import STATUS_OK

    if "original" not in indexes:
        raise ValueError("skin tone needs the original variant's index")
    located = _landmarks_of(records)
    shapes: dict[str, tuple[int, ...]] = {}
    rows: list[dict[str, object]] = []
    ordered = ["original", *sorted(v for v in indexes if v != "original")]
    for variant in ordered:
        for entry in indexes[variant].itertuples(index=False):
            image_id = str(entry.image_id)
            landmarks, failure = located.get(image_id, (None, "missing_from_recognition"))
            if entry.status != STATUS_OK:
                tone = failed_tone(str(entry.status))
            elif landmarks is None:
                tone = failed_tone(failure or REASON_NO_LANDMARKS)
            else:
                try:
                    rgb = read_rgb(entry.path)
                except ImageReadError as error:
                    tone = failed_tone(error.reason)
                else:
                    expected = shapes.setdefault(image_id, rgb.shape)
                    if rgb.shape != expected:
                        tone = failed_tone("size_mismatch")
                    else:
                        tone = face_skin_tone(rgb, landmarks)
            rows.append({"image_id": image_id, "variant": variant, **tone.as_dict()})
    return pd.DataFrame(rows, columns=list(TONE_COLUMNS))
