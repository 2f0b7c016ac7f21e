"""Image resampling whose results do not depend on the installed Pillow or OpenCV.

DeOldify's published results come from Pillow's bilinear ``Image.resize`` and Pillow's
``convert("LA")``, as they behaved from Pillow 9.3 to 12.1. Pillow 13 changed the bilinear
resize when one axis shrinks and the other grows (every FERET and FRGC image at the default
render factor), so calling Pillow would make the numbers depend on the version installed.
These functions reproduce the old arithmetic exactly, in numpy:

* the separable convolution resampler with a triangle filter whose support widens by the
  downscaling factor (antialiasing), coefficients normalised per output pixel and then
  quantised to 22-bit fixed point;
* the **horizontal pass first**, its result rounded to uint8, then the vertical pass;
* each pass adds ``2**21`` before the 22-bit shift (round half up) and clips to 0..255.

``tests/test_resampling.py`` checks them against outputs recorded with Pillow 9.3 by
``tools/record_fidelity_fixtures.py`` (see docs/fidelity-audit.md).
"""

from __future__ import annotations

import numpy as np

PRECISION_BITS = 32 - 8 - 2  # Pillow's fixed-point precision for 8-bit images
BILINEAR_SUPPORT = 1.0


def _triangle(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def bilinear_coefficients(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output pixel: the first source index and the fixed-point weights of its window.

    Returns ``(first, weights)``: ``first`` is (out_size,) int64; ``weights`` is
    (out_size, ksize) int64 with zeros past each window's end.
    """
    if in_size < 1 or out_size < 1:
        raise ValueError(f"sizes must be positive, got {in_size} -> {out_size}")
    scale = float(in_size) / out_size
    filter_scale = max(scale, 1.0)
    support = BILINEAR_SUPPORT * filter_scale
    ksize = int(np.ceil(support)) * 2 + 1
    centre = (np.arange(out_size, dtype=np.float64) + 0.5) * scale
    # C casts truncate toward zero; the +0.5 rounds.
    first = np.trunc(centre - support + 0.5).astype(np.int64)
    first = np.maximum(first, 0)
    last = np.minimum(np.trunc(centre + support + 0.5).astype(np.int64), in_size)
    count = last - first
    taps = np.arange(ksize, dtype=np.float64)[None, :]
    reciprocal = 1.0 / filter_scale  # multiplied, not divided: the C code's rounding
    weights = _triangle((taps + first[:, None] - centre[:, None] + 0.5) * reciprocal)
    weights = np.where(taps < count[:, None], weights, 0.0)
    # Summed tap by tap, in order: numpy's pairwise sum would round differently.
    total = np.zeros((out_size, 1))
    for tap in range(ksize):
        total[:, 0] += weights[:, tap]
    weights = np.divide(weights, total, out=weights.copy(), where=total != 0.0)
    scaled = weights * (1 << PRECISION_BITS)
    fixed = np.where(scaled < 0, np.trunc(scaled - 0.5), np.trunc(scaled + 0.5)).astype(np.int64)
    return first, fixed


def _clip8(accumulated: np.ndarray) -> np.ndarray:
    return np.clip(accumulated >> PRECISION_BITS, 0, 255).astype(np.uint8)


#: Values (pixels x channels) per block of output rows: the int64 accumulator and its
#: temporaries stay a few MB whatever the image size (DeOldify upsamples to full size).
RESAMPLE_BLOCK_VALUES = 1 << 18


def _resample_axis(image: np.ndarray, out_size: int, axis: int) -> np.ndarray:
    in_size = image.shape[axis]
    first, weights = bilinear_coefficients(in_size, out_size)
    moved = np.moveaxis(image, axis, 0)  # (in, other[, channels])
    weight_shape = (-1,) + (1,) * (moved.ndim - 1)
    out = np.empty((out_size,) + moved.shape[1:], np.uint8)
    # Output positions are independent: blocks of them give the same values as one pass.
    step = max(1, RESAMPLE_BLOCK_VALUES // max(1, int(np.prod(moved.shape[1:]))))
    for start in range(0, out_size, step):
        block = slice(start, min(start + step, out_size))
        accumulated = np.full(
            (block.stop - block.start,) + moved.shape[1:], 1 << (PRECISION_BITS - 1), np.int64
        )
        # One tap at a time: memory stays at one output block, whatever the window length.
        for tap in range(weights.shape[1]):
            rows = moved[np.minimum(first[block] + tap, in_size - 1)].astype(np.int64)
            accumulated += rows * weights[block, tap].reshape(weight_shape)
        out[block] = _clip8(accumulated)
    return np.moveaxis(out, 0, axis)


def pillow12_bilinear_resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``Image.fromarray(image).resize((width, height), BILINEAR)`` as Pillow 9.3-12.1 did it.

    ``image`` is (H, W) or (H, W, C) uint8; the result has the same layout.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W[, C]) uint8 image, got {image.dtype} {image.shape}")
    if width < 1 or height < 1:
        raise ValueError(f"target size must be positive, got {width}x{height}")
    result = image
    if width != image.shape[1]:
        result = _resample_axis(result, width, axis=1)
    if height != image.shape[0]:
        result = _resample_axis(result, height, axis=0)
    return np.ascontiguousarray(result)


def pillow_luma(rgb: np.ndarray) -> np.ndarray:
    """Pillow's RGB -> L conversion (ITU-R 601-2 weights in 16-bit fixed point, rounded)."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.dtype} {rgb.shape}")
    channels = rgb.astype(np.int64)
    weighted = channels[..., 0] * 19595 + channels[..., 1] * 38470 + channels[..., 2] * 7471
    return ((weighted + 0x8000) >> 16).astype(np.uint8)


# OpenCV 4.x ``warpAffine`` (INTER_LINEAR, constant border): coordinates in 10-bit fixed
# point, rounded to 1/32 pixel, 15-bit integer weights. OpenCV 5 computes the warp
# differently (up to 6 grey levels on about 14 % of the values of an aligned face), which
# would move every aligned crop: ArcFace, LightQNet and ISO/IEC 29794-5 all warp.
_AB_BITS = 10
_INTER_BITS = 5
_REMAP_BITS = 15


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """``cv2.invertAffineTransform``, operation for operation."""
    m = np.asarray(matrix, dtype=np.float64).reshape(2, 3)
    determinant = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
    d = 1.0 / determinant if determinant != 0 else 0.0
    a11, a22, a12, a21 = m[1, 1] * d, m[0, 0] * d, -m[0, 1] * d, -m[1, 0] * d
    b1 = -a11 * m[0, 2] - a12 * m[1, 2]
    b2 = -a21 * m[0, 2] - a22 * m[1, 2]
    return np.array([[a11, a12, b1], [a21, a22, b2]])


def opencv4_warp_affine(
    image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], border_value: int = 0
) -> np.ndarray:
    """``cv2.warpAffine(image, matrix, size, flags=INTER_LINEAR, borderValue=border_value)``
    as OpenCV 4.x computes it. ``matrix`` maps source to destination; ``size`` is (w, h)."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W[, C]) uint8 image, got {image.dtype} {image.shape}")
    width, height = size
    inverse = invert_affine(matrix)
    scale = 1 << _AB_BITS
    round_delta = scale >> _INTER_BITS >> 1
    columns = np.arange(width, dtype=np.float64)
    rows = np.arange(height, dtype=np.float64)
    x_step = np.rint(inverse[0, 0] * columns * scale).astype(np.int64)
    y_step = np.rint(inverse[1, 0] * columns * scale).astype(np.int64)
    x_row = np.rint((inverse[0, 1] * rows + inverse[0, 2]) * scale).astype(np.int64) + round_delta
    y_row = np.rint((inverse[1, 1] * rows + inverse[1, 2]) * scale).astype(np.int64) + round_delta
    x_fixed = (x_row[:, None] + x_step[None, :]) >> (_AB_BITS - _INTER_BITS)
    y_fixed = (y_row[:, None] + y_step[None, :]) >> (_AB_BITS - _INTER_BITS)
    table = 1 << _INTER_BITS
    x0, y0 = x_fixed >> _INTER_BITS, y_fixed >> _INTER_BITS
    fx, fy = x_fixed & (table - 1), y_fixed & (table - 1)
    # (1 - f/32) and f/32 multiply to multiples of 2**-10: exact in 15-bit weights.
    wx = (table - fx, fx)
    wy = (table - fy, fy)
    unit = (1 << _REMAP_BITS) >> (2 * _INTER_BITS)
    src_height, src_width = image.shape[:2]
    source = image.astype(np.int64)
    extra = (1,) * (image.ndim - 2)
    accumulated = np.zeros((height, width) + image.shape[2:], np.int64)
    for dy in (0, 1):
        for dx in (0, 1):
            ys, xs = y0 + dy, x0 + dx
            inside = (ys >= 0) & (ys < src_height) & (xs >= 0) & (xs < src_width)
            values = source[np.clip(ys, 0, src_height - 1), np.clip(xs, 0, src_width - 1)]
            values = np.where(inside.reshape(inside.shape + extra), values, border_value)
            weight = wy[dy] * wx[dx] * unit
            accumulated += values * weight.reshape(weight.shape + extra)
    result = (accumulated + (1 << (_REMAP_BITS - 1))) >> _REMAP_BITS
    return np.clip(result, 0, 255).astype(np.uint8)
