"""Image decoding, the greyscale variant and PNG writing.

Decoding turns every supported file into 8-bit RGB and reports every defect as an
:class:`~colourfr.errors.ImageReadError` with a machine-readable ``reason``, so callers
can record a failure instead of crashing.

Greyscale follows ImageMagick ``-grayscale Rec709Luma`` bit for bit: the Rec. 709
luma weights are applied to the gamma-encoded (non-linear) sRGB values — *luma*, not
*luminance*, so ImageMagick does not linearise first — in ImageMagick's Q16 quantum
scale, rounded to a 16-bit quantum, and then reduced to 8 bits::

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
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from colourfr.errors import ImageReadError
from colourfr.io.status import (
    REASON_EMPTY,
    REASON_MISSING,
    REASON_TOO_LARGE,
    REASON_TRUNCATED,
    REASON_UNDECODABLE,
    REASON_UNSUPPORTED_MODE,
)

# Rec. 709 luma coefficients as ImageMagick defines them (they sum to exactly 1).
REC709_WEIGHTS = (0.212656, 0.715158, 0.072186)
QUANTUM_RANGE = 65535
_Q_PER_CHAR = QUANTUM_RANGE // 255  # 257

# Largest image read_rgb decodes (400 Mpx; 1.2 GB as RGB). Pillow's own default guard
# warns above 89,478,485 px (~9459^2) and refuses above twice that, so read_rgb raises
# Pillow's limit to this one for the duration of each read (see _pillow_pixel_limit).
MAX_PIXELS = 20000 * 20000


# Pillow reads its limit from the module global Image.MAX_IMAGE_PIXELS at every check
# (in Image.open and again while loading frames/tiles), so the limit cannot be passed
# per call. Readers (e.g. the manifest's thread pool) share one raised setting: the first
# to enter saves Pillow's value, the last to leave restores it, so concurrent reads are
# not serialised and nothing outlives them.
_limit_lock = threading.Lock()
_limit_users = 0
_limit_saved: int | None = None


@contextmanager
def _pillow_pixel_limit(limit: int) -> Iterator[None]:
    """Set Pillow's decompression-bomb limit to ``limit`` while inside; restore it after."""
    global _limit_users, _limit_saved
    with _limit_lock:
        if _limit_users == 0:
            _limit_saved = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = limit
        _limit_users += 1
    try:
        yield
    finally:
        with _limit_lock:
            _limit_users -= 1
            if _limit_users == 0:
                Image.MAX_IMAGE_PIXELS = _limit_saved


@dataclass(frozen=True)
class PixelLimit:
    """A step's own limit: the most pixels it may decode within its memory budget."""

    pixels: int
    why: str  # e.g. "colour_fidelity: 8000 MB budget at 24 B/px (memory.image_budget_mb)"


# Process-wide, not a ContextVar: readers in worker threads (prefetching) must see it too,
# and a job process runs one step.
_step_limit: PixelLimit | None = None


@contextmanager
def image_pixel_limit(pixels: int, why: str) -> Iterator[None]:
    """Within this block, :func:`read_rgb` refuses images above ``pixels`` as ``too_large``
    (judged from the header, never decoded), naming ``why``. MAX_PIXELS still applies."""
    global _step_limit
    previous, _step_limit = _step_limit, PixelLimit(pixels, why)
    try:
        yield
    finally:
        _step_limit = previous


def too_large_detail(width: int, height: int) -> str | None:
    """Why a ``width`` x ``height`` image is refused, or None when it is within MAX_PIXELS
    and the current step's limit (:func:`image_pixel_limit`)."""
    pixels = width * height
    if pixels > MAX_PIXELS:
        return f"{width}x{height} = {pixels:,} px exceeds MAX_PIXELS = {MAX_PIXELS:,}"
    step = _step_limit
    if step is not None and pixels > step.pixels:
        return f"{width}x{height} = {pixels:,} px exceeds {step.pixels:,} px ({step.why})"
    return None


def _to_rgb_array(image: Image.Image, path: str) -> np.ndarray:
    mode = image.mode
    if mode == "L":
        # Same pixels as convert("RGB"), without Pillow's 4-byte-per-pixel RGB copy
        # (matters for the 100+ Mpx scans MAX_PIXELS admits).
        grey = np.asarray(image, dtype=np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit grey: keep the top 8 bits (Pillow's convert('L') would clip instead).
        values = np.asarray(image, dtype=np.uint32 if mode == "I" else np.uint16)
        if mode == "I":
            values = np.clip(values, 0, 65535)
        grey = (values.astype(np.uint32) >> 8).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode == "RGB":
        # No convert("RGB") copy (4 bytes per pixel): decoding costs 7 B/px, not 14.
        return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    if mode in ("1", "P", "PA", "LA", "RGBA", "RGBX", "RGBa", "CMYK", "YCbCr", "La"):
        if mode in ("P", "PA") and "transparency" in image.info:
            image = image.convert("RGBA")
        return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    raise ImageReadError(path, REASON_UNSUPPORTED_MODE, f"Pillow mode {mode}")


#: The EXIF Orientation tag; values 2-8 mean the stored pixels must be flipped/turned.
EXIF_ORIENTATION = 0x0112
_ORIENTATIONS = frozenset(range(2, 9))


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - a malformed EXIF block means "as stored"
        return 1
    return int(value) if value in _ORIENTATIONS else 1


def read_rgb_noting(path: str | os.PathLike[str]) -> tuple[np.ndarray, str]:
    """:func:`read_rgb` plus a note on what decoding did beyond the plain pixels: the EXIF
    orientation applied (as cameras and viewers show the photo) and, for a multi-frame
    file, that only the first frame is used. The note is empty for an ordinary image."""
    name = os.fspath(path)
    if not os.path.isfile(name):
        if os.path.islink(name):
            target = os.readlink(name)
            raise ImageReadError(name, REASON_MISSING, f"broken symbolic link to {target}")
        raise ImageReadError(name, REASON_MISSING)
    if os.path.getsize(name) == 0:
        raise ImageReadError(name, REASON_EMPTY)
    notes: list[str] = []
    try:
        with _pillow_pixel_limit(MAX_PIXELS), Image.open(name) as image:
            detail = too_large_detail(image.width, image.height)
            if detail is not None:
                raise ImageReadError(name, REASON_TOO_LARGE, detail)
            frames = int(getattr(image, "n_frames", 1) or 1)
            if frames > 1:
                notes.append(f"multi-frame file ({frames} frames): the first frame is used")
            image.load()
            orientation = _orientation(image)
            rgb = _to_rgb_array(image, name)
    except ImageReadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Above 2 x MAX_PIXELS Image.open itself refuses; between MAX_PIXELS and twice it
        # Pillow only warns (an exception only under -W error), and the header check
        # above refuses. A frame or tile larger than the limit lands here while loading.
        raise ImageReadError(name, REASON_TOO_LARGE, str(exc)) from None
    except UnidentifiedImageError as exc:
        raise ImageReadError(name, REASON_UNDECODABLE, str(exc)) from None
    except (OSError, SyntaxError, ValueError, zlib.error) as exc:
        message = str(exc)
        reason = REASON_TRUNCATED if "truncat" in message.lower() else REASON_UNDECODABLE
        raise ImageReadError(name, reason, message) from None
    if orientation != 1:
        rgb = _apply_orientation(rgb, orientation)
        notes.append(f"EXIF orientation {orientation} applied")
    return rgb, "; ".join(notes)


def _apply_orientation(rgb: np.ndarray, orientation: int) -> np.ndarray:
    # Exact pixel moves, done in numpy so no resampling can creep in.
    moves: dict[int, Callable[[np.ndarray], np.ndarray]] = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, k=-1),
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
        8: lambda a: np.rot90(a, k=1),
    }
    return np.ascontiguousarray(moves[orientation](rgb))


def read_rgb(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode ``path`` to an (H, W, 3) uint8 RGB array (alpha dropped, 16-bit scaled, EXIF
    orientation applied; the first frame of a multi-frame file).

    Images up to MAX_PIXELS decode, whatever Pillow's global limit. Raises
    ImageReadError with reason missing / empty_file / truncated / undecodable /
    unsupported_mode / too_large (above MAX_PIXELS, judged from the header: the pixels
    are never decoded).
    """
    return read_rgb_noting(path)[0]


#: Pixels per block of the greyscale conversion: its float64 temporaries stay a few MB
#: whatever the image size, so greyscale adds 1 byte per pixel (the result) to the input.
GREY_BLOCK_PIXELS = 1 << 18


def _rec709_block(rgb: np.ndarray) -> np.ndarray:
    channels = rgb.astype(np.float64) * _Q_PER_CHAR
    intensity = (
        REC709_WEIGHTS[0] * channels[..., 0]
        + REC709_WEIGHTS[1] * channels[..., 1]
        + REC709_WEIGHTS[2] * channels[..., 2]
    )
    quantum = np.floor(np.clip(intensity, 0, QUANTUM_RANGE) + 0.5).astype(np.uint32)
    return (quantum // _Q_PER_CHAR).astype(np.uint8)


def rec709_luma(rgb: np.ndarray) -> np.ndarray:
    """Greyscale (H, W) uint8, bit-exact with ImageMagick ``-grayscale Rec709Luma``.

    Computed in blocks of rows (each pixel on its own, so blocks change no value)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
    height, width = rgb.shape[:2]
    grey = np.empty((height, width), dtype=np.uint8)
    rows = max(1, GREY_BLOCK_PIXELS // max(width, 1))
    for top in range(0, height, rows):
        grey[top : top + rows] = _rec709_block(rgb[top : top + rows])
    return grey


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


def write_png(path: str | os.PathLike[str], image: np.ndarray, *, durable: bool = True) -> None:
    """Write an 8-bit PNG (single-channel for (H, W), RGB for (H, W, 3)).

    ``durable``: atomically, through a temporary copy of this writer's own (synced to disk
    before the rename). ``False`` for a file inside a folder that
    :func:`colourfr.io.atomic.atomic_directory` builds: the folder is the unit that appears
    whole or not at all, and it is synced once, which costs a shard far less than a sync
    per image."""
    from colourfr.io.atomic import atomic_path

    path = Path(path)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected uint8 (H, W) or (H, W, 3), got {image.shape} {image.dtype}")
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder, not a PNG file name", str(path))
    if not durable:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path, format="PNG")
        return
    with atomic_path(path) as temporary:
        Image.fromarray(image).save(temporary, format="PNG")
