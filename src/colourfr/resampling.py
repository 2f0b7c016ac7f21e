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


def _resample_axis(image: np.ndarray, out_size: int, axis: int) -> np.ndarray:
    in_size = image.shape[axis]
    first, weights = bilinear_coefficients(in_size, out_size)
    moved = np.moveaxis(image, axis, 0)  # (in, other[, channels])
    weight_shape = (out_size,) + (1,) * (moved.ndim - 1)
    accumulated = np.full((out_size,) + moved.shape[1:], 1 << (PRECISION_BITS - 1), np.int64)
    # One tap at a time: memory stays at one output image, whatever the window length.
    for tap in range(weights.shape[1]):
        rows = moved[np.minimum(first + tap, in_size - 1)].astype(np.int64)
        accumulated += rows * weights[:, tap].reshape(weight_shape)
    return np.moveaxis(_clip8(accumulated), 0, axis)


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
