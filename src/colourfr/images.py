"""Image decoding, the greyscale variant and PNG writing.

Decoding turns every supported file into 8-bit RGB and reports every defect as an
:class:`~colourfr.errors.ImageReadError` with a machine-readable ``reason``, so callers
can record a failure instead of crashing.

Greyscale follows ImageMagick ``-grayscale Rec709Luma`` bit for bit: the Rec. 709
luma weights are applied to the gamma-encoded (non-linear) sRGB values — *luma*, not
*luminance*, so ImageMagick does not linearise first — in ImageMagick's Q16 quantum
scale, rounded to a 16-bit quantum, and then scaled to 8 bits with rounding::

    q = round(257 * (0.212656 R + 0.715158 G + 0.072186 B))   # ClampToQuantum
    Y = q // 257                                              # 16 -> 8 bit on PNG write

The second step truncates. That is what ImageMagick 6.9 (Debian, Q16) writes to an
8-bit PNG, verified pixel for pixel against ``convert IN -grayscale Rec709Luma OUT.png``
on LFW (tests/test_images.py). Rounding instead — the obvious shortcut, and also what a
rounding 16->8 bit scaling would give — differs from ImageMagick on about half of all
pixels, by one grey level.
"""

from __future__ import annotations

import os
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from colourfr.errors import ImageReadError

# Rec. 709 luma coefficients as ImageMagick defines them (they sum to exactly 1).
REC709_WEIGHTS = (0.212656, 0.715158, 0.072186)
QUANTUM_RANGE = 65535
_Q_PER_CHAR = QUANTUM_RANGE // 255  # 257

# Pillow refuses images above ~179 Mpx by default; we accept what fits our limit.
MAX_PIXELS = 20000 * 20000

REASON_MISSING = "missing"
REASON_EMPTY = "empty_file"
REASON_TRUNCATED = "truncated"
REASON_UNDECODABLE = "undecodable"
REASON_UNSUPPORTED_MODE = "unsupported_mode"


def _to_rgb_array(image: Image.Image, path: str) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit grey: keep the top 8 bits (Pillow's convert('L') would clip instead).
        values = np.asarray(image, dtype=np.uint32 if mode == "I" else np.uint16)
        if mode == "I":
            values = np.clip(values, 0, 65535)
        grey = (values.astype(np.uint32) >> 8).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("1", "L", "P", "PA", "LA", "RGB", "RGBA", "RGBX", "RGBa", "CMYK", "YCbCr", "La"):
        if mode in ("P", "PA") and "transparency" in image.info:
            image = image.convert("RGBA")
        return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    raise ImageReadError(path, REASON_UNSUPPORTED_MODE, f"Pillow mode {mode}")


def read_rgb(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode ``path`` to an (H, W, 3) uint8 RGB array (alpha dropped, 16-bit scaled).

    Raises ImageReadError with reason missing / empty_file / truncated / undecodable /
    unsupported_mode.
    """
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise ImageReadError(name, REASON_MISSING)
    if os.path.getsize(name) == 0:
        raise ImageReadError(name, REASON_EMPTY)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(name) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ImageReadError(
                        name, REASON_UNDECODABLE, f"{image.width}x{image.height} too large"
                    )
                image.load()
                return _to_rgb_array(image, name)
    except ImageReadError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageReadError(name, REASON_UNDECODABLE, str(exc)) from None
    except (OSError, SyntaxError, ValueError, zlib.error, Image.DecompressionBombWarning) as exc:
        message = str(exc)
        reason = REASON_TRUNCATED if "truncat" in message.lower() else REASON_UNDECODABLE
        raise ImageReadError(name, reason, message) from None


def rec709_luma(rgb: np.ndarray) -> np.ndarray:
    """Greyscale (H, W) uint8, bit-exact with ImageMagick ``-grayscale Rec709Luma``."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
    channels = rgb.astype(np.float64) * _Q_PER_CHAR
    intensity = (
        REC709_WEIGHTS[0] * channels[:, :, 0]
        + REC709_WEIGHTS[1] * channels[:, :, 1]
        + REC709_WEIGHTS[2] * channels[:, :, 2]
    )
    quantum = np.floor(np.clip(intensity, 0, QUANTUM_RANGE) + 0.5).astype(np.uint32)
    return (quantum // _Q_PER_CHAR).astype(np.uint8)


def grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    """Replicate a (H, W) channel to (H, W, 3) for consumers that need RGB."""
    if grey.ndim != 2:
        raise ValueError(f"expected (H, W) grey image, got shape {grey.shape}")
    return np.repeat(grey[:, :, None], 3, axis=2)


def read_grey(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image as (H, W) uint8: a single-channel file as is, colour via Rec. 709 luma."""
    rgb = read_rgb(path)
    if np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 1], rgb[:, :, 2]):
        return np.ascontiguousarray(rgb[:, :, 0])
    return rec709_luma(rgb)


def write_png(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Write an 8-bit PNG (single-channel for (H, W), RGB for (H, W, 3)) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected uint8 (H, W) or (H, W, 3), got {image.shape} {image.dtype}")
    tmp = path.with_name(f".{path.name}.tmp")
    Image.fromarray(image).save(tmp, format="PNG")
    os.replace(tmp, path)
