"""Files that are probably not what a colour face dataset should hold.

Two kinds, found while the manifest is built and written to ``manifest_issues.csv`` as
warnings (and left out with ``datasets.<name>.suspicious.exclude: true``):

- ``greyscale_content``: an image whose pixels are grey (R = G = B, within a small
  tolerance for JPEG's chroma noise) in a dataset declared colour. Such a file becomes
  an "original" probe that is already grey, which biases every scenario; often a derived
  copy left next to the originals.
- ``near_duplicate``: two images of one subject with the same pixels after shrinking both
  to a small greyscale thumbnail (a re-encoded or resized copy of the same photo). A
  duplicate of the reference as a probe is a trivially easy genuine comparison.

Both checks read a small thumbnail of each image (JPEGs decoded at reduced scale), not the
full image.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from colourfr.io.manifest import ISSUE_COLUMNS
from colourfr.io.status import STATUS_OK

REASON_GREYSCALE_CONTENT = "greyscale_content"
REASON_NEAR_DUPLICATE = "near_duplicate"
#: Side of the colour thumbnail the greyscale test looks at.
COLOUR_THUMBNAIL = 64
#: Largest channel difference (of 255) still counted as grey: JPEG chroma noise.
GREY_TOLERANCE = 3
#: Side of the greyscale thumbnail the duplicate test compares.
DUPLICATE_THUMBNAIL = 16
#: Largest mean absolute difference (of 255) between two thumbnails of one photo.
DUPLICATE_TOLERANCE = 2.0


@dataclass(frozen=True)
class Thumbnails:
    colour: np.ndarray  # (COLOUR_THUMBNAIL, COLOUR_THUMBNAIL, 3) uint8
    grey: np.ndarray  # (DUPLICATE_THUMBNAIL, DUPLICATE_THUMBNAIL) float32


def thumbnails(path: str) -> Thumbnails | None:
    """Small colour and grey thumbnails of an image, or None if it cannot be read."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (COLOUR_THUMBNAIL * 2, COLOUR_THUMBNAIL * 2))
            rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    colour = cv2.resize(rgb, (COLOUR_THUMBNAIL, COLOUR_THUMBNAIL), interpolation=cv2.INTER_AREA)
    grey = cv2.resize(
        cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY),
        (DUPLICATE_THUMBNAIL, DUPLICATE_THUMBNAIL),
        interpolation=cv2.INTER_AREA,
    ).astype(np.float32)
    return Thumbnails(colour, grey)


def is_greyscale(colour: np.ndarray, tolerance: int = GREY_TOLERANCE) -> bool:
    channels = colour.astype(np.int16)
    spread = np.maximum(
        np.abs(channels[..., 0] - channels[..., 1]), np.abs(channels[..., 1] - channels[..., 2])
    )
    return bool(spread.max() <= tolerance)


def are_near_duplicates(
    a: np.ndarray, b: np.ndarray, tolerance: float = DUPLICATE_TOLERANCE
) -> bool:
    return float(np.abs(a - b).mean()) <= tolerance


def find_suspicious(
    manifest: pd.DataFrame, colour_dataset: bool = True, threads: int = 1
) -> pd.DataFrame:
    """Warnings (the columns of manifest_issues.csv) for the readable images of a
    manifest: grey content in a colour dataset, near-duplicates within a subject (the
    second and later of each group, in image id order, named against the first)."""
    readable = manifest[manifest["status"] == STATUS_OK].sort_values(["subject_id", "image_id"])
    paths: Sequence[str] = list(readable["path"])
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        thumbs = dict(zip(readable["image_id"], pool.map(thumbnails, paths)))
    rows = []
    for row in readable.itertuples(index=False):
        thumb = thumbs[row.image_id]
        if colour_dataset and thumb is not None and is_greyscale(thumb.colour):
            rows.append((row.image_id, row.subject_id, row.path, REASON_GREYSCALE_CONTENT,
                         "R = G = B in a dataset declared colour"))  # fmt: skip
    for subject, images in readable.groupby("subject_id", sort=True):
        ids = list(images["image_id"])
        duplicate_of: dict[str, str] = {}
        for first, second in itertools.combinations(ids, 2):
            if second in duplicate_of or first in duplicate_of:
                continue
            a, b = thumbs[first], thumbs[second]
            if a is not None and b is not None and are_near_duplicates(a.grey, b.grey):
                duplicate_of[second] = first
        for image_id, original in duplicate_of.items():
            path = images.loc[images["image_id"] == image_id, "path"].item()
            rows.append((image_id, subject, path, REASON_NEAR_DUPLICATE,
                         f"same pixels as {original} after shrinking"))  # fmt: skip
    return pd.DataFrame(rows, columns=list(ISSUE_COLUMNS), dtype=str)


def exclude_suspicious(manifest: pd.DataFrame, warnings: pd.DataFrame) -> pd.DataFrame:
    """The manifest without the flagged images (each duplicate group keeps its first)."""
    return manifest[~manifest["image_id"].isin(set(warnings["image_id"]))].reset_index(drop=True)
