"""Working copies of large images: the original variant at a bounded resolution.

In-the-wild photos are often tens of megapixels around a face of a few hundred pixels.
Greyscale conversion, colourisation, colour fidelity and PNG writing scale with pixels,
recognition and quality with faces. With ``datasets.<name>.working_resolution.max_side``
set, the original index of a shard points at a copy of every image whose longer side
exceeds it, downscaled to that side (area averaging), written losslessly (PNG); every
variant and every stage then works on the same pixels, so scenarios differ only in
colour, never in resolution. Images within the limit are used as they are.

JPEGs are decoded at reduced scale where the codec allows it (``PIL.Image.draft``:
DCT scaling to the smallest power-of-two reduction still at least the target size),
which is what makes a 40-megapixel photo cost about as much as its working copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from colourfr.errors import ImageReadError
from colourfr.images import EXIF_ORIENTATION, write_png
from colourfr.io.atomic import atomic_directory
from colourfr.io.status import REASON_UNDECODABLE, STATUS_OK
from colourfr.io.variant_index import INDEX_COLUMNS


def target_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) with the longer side at most ``max_side``, aspect ratio kept."""
    longest = max(width, height)
    if longest <= max_side:
        return width, height
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def read_reduced(path: str | os.PathLike[str], max_side: int) -> np.ndarray:
    """An RGB image with its longer side at most ``max_side`` (EXIF orientation applied)."""
    try:
        with Image.open(path) as image:
            # Orientations 5-8 turn the image by 90 degrees: the stored axes swap.
            swap = image.getexif().get(EXIF_ORIENTATION, 1) in (5, 6, 7, 8)
            width, height = (image.size[1], image.size[0]) if swap else image.size
            wanted = target_size(width, height, max_side)
            if image.format == "JPEG" and wanted != (width, height):
                # Decode at reduced scale: draft keeps at least the requested size.
                image.draft("RGB", (wanted[1], wanted[0]) if swap else wanted)
            rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageReadError(str(path), REASON_UNDECODABLE, str(exc)) from exc
    wanted = target_size(rgb.shape[1], rgb.shape[0], max_side)
    if wanted == (rgb.shape[1], rgb.shape[0]):
        return np.ascontiguousarray(rgb)
    return cv2.resize(np.ascontiguousarray(rgb), wanted, interpolation=cv2.INTER_AREA)


def working_index(
    index: pd.DataFrame,
    manifest_rows: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    max_side: int | None,
) -> pd.DataFrame:
    """The original index of a shard, pointing at working copies where an image is larger
    than ``max_side`` (written to ``out_dir``, which is created, empty if none is needed)."""
    final = Path(out_dir).resolve()
    sizes = {
        row.image_id: (int(row.width), int(row.height))
        for row in manifest_rows.itertuples(index=False)
    }
    rows = []
    with atomic_directory(final) as building:
        for row in index.to_dict("records"):
            width, height = sizes.get(row["image_id"], (0, 0))
            large = max_side is not None and max(width, height) > max_side
            if row["status"] != STATUS_OK or not large:
                rows.append(row)
                continue
            try:
                reduced = read_reduced(row["path"], int(max_side))  # type: ignore[arg-type]
            except ImageReadError as exc:
                rows.append({**row, "path": "", "status": exc.reason, "detail": exc.detail})
                continue
            relative = Path(f"{row['image_id']}.png")
            write_png(building / relative, reduced, durable=False)
            rows.append(
                {
                    **row,
                    "path": str(final / relative),
                    "detail": f"working copy {reduced.shape[1]}x{reduced.shape[0]} of {width}x{height}",
                }
            )
    return pd.DataFrame(rows, columns=list(INDEX_COLUMNS))


def megapixels(manifest: pd.DataFrame, max_side: int | None) -> tuple[float, float]:
    """(original, working) megapixels of a manifest: what the image stages will process."""
    original = float((manifest["width"].astype(float) * manifest["height"].astype(float)).sum())
    if max_side is None:
        return original / 1e6, original / 1e6
    working = 0.0
    for width, height in zip(manifest["width"], manifest["height"]):
        w, h = target_size(int(width), int(height), max_side)
        working += w * h
    return original / 1e6, working / 1e6
