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
- ``duplicate_across_subjects``: the same bytes, or the same pixels after shrinking, under
  two subjects (a photo filed twice, a mislabelled copy). Their impostor comparison
  scores like a genuine one and, with few impostors, sets the threshold: Table 1 counts
  such comparisons.

The pixel checks read a small thumbnail of each image (JPEGs decoded at reduced scale), not
the full image; the byte check reads each file once. Each duplicate names the image it
copies in ``same_as``; the second and later of each group are flagged, so that
``exclude: true`` keeps one copy.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from colourfr.io.manifest import ISSUE_COLUMNS
from colourfr.io.status import STATUS_OK

REASON_GREYSCALE_CONTENT = "greyscale_content"
REASON_NEAR_DUPLICATE = "near_duplicate"
REASON_DUPLICATE_ACROSS_SUBJECTS = "duplicate_across_subjects"
#: Side and grey levels of the coarse thumbnail whose equality makes two images of
#: different subjects candidates for the pixel comparison (all pairs would be quadratic).
CANDIDATE_SIDE = 4
CANDIDATE_LEVELS = 8
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


def file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _candidate_key(grey: np.ndarray) -> bytes:
    side = DUPLICATE_THUMBNAIL // CANDIDATE_SIDE
    coarse = grey.reshape(CANDIDATE_SIDE, side, CANDIDATE_SIDE, side).mean(axis=(1, 3))
    return (coarse * CANDIDATE_LEVELS / 256.0).astype(np.uint8).tobytes()


def _duplicates_across_subjects(
    readable: pd.DataFrame, thumbs: dict[str, Thumbnails | None], digests: dict[str, str | None]
) -> dict[str, tuple[str, str]]:
    """image id -> (the image it copies, how) for images that copy an image of another
    subject; the first of each group (in subject, image id order) is the one kept."""
    subject_of = dict(zip(readable["image_id"], readable["subject_id"]))
    copies: dict[str, tuple[str, str]] = {}
    first_with: dict[str, str] = {}
    for image_id in readable["image_id"]:
        digest = digests.get(image_id)
        if digest is None:
            continue
        first = first_with.setdefault(digest, image_id)
        if first != image_id and subject_of[first] != subject_of[image_id]:
            copies[image_id] = (first, "the same bytes")
    buckets: dict[bytes, list[str]] = {}
    for image_id in readable["image_id"]:
        thumb = thumbs.get(image_id)
        if thumb is not None:
            buckets.setdefault(_candidate_key(thumb.grey), []).append(image_id)
    for members in buckets.values():
        for first, second in itertools.combinations(members, 2):
            if subject_of[first] == subject_of[second] or second in copies or first in copies:
                continue
            a, b = thumbs[first], thumbs[second]
            if a is not None and b is not None and are_near_duplicates(a.grey, b.grey):
                copies[second] = (first, "the same pixels after shrinking")
    return copies


def find_suspicious(
    manifest: pd.DataFrame, colour_dataset: bool = True, threads: int = 1
) -> pd.DataFrame:
    """Warnings (the columns of manifest_issues.csv) for the readable images of a
    manifest: grey content in a colour dataset, near-duplicates within a subject and
    duplicates across subjects (the second and later of each group, in subject and image
    id order, named against the first in ``same_as``)."""
    readable = manifest[manifest["status"] == STATUS_OK].sort_values(["subject_id", "image_id"])
    paths: Sequence[str] = list(readable["path"])
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        thumbs = dict(zip(readable["image_id"], pool.map(thumbnails, paths)))
        digests = dict(zip(readable["image_id"], pool.map(file_digest, paths)))
    path_of = dict(zip(readable["image_id"], readable["path"]))
    subject_of = dict(zip(readable["image_id"], readable["subject_id"]))
    rows = []
    for row in readable.itertuples(index=False):
        thumb = thumbs[row.image_id]
        if colour_dataset and thumb is not None and is_greyscale(thumb.colour):
            rows.append((row.image_id, row.subject_id, row.path, REASON_GREYSCALE_CONTENT,
                         "R = G = B in a dataset declared colour", ""))  # fmt: skip
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
            rows.append((image_id, subject, path_of[image_id], REASON_NEAR_DUPLICATE,
                         f"same pixels as {original} after shrinking", original))  # fmt: skip
    within = {row[0] for row in rows if row[3] == REASON_NEAR_DUPLICATE}
    for image_id, (original, how) in _duplicates_across_subjects(readable, thumbs, digests).items():
        if image_id in within:
            continue
        detail = f"{how} as {original} of subject {subject_of[original]}"
        rows.append((image_id, subject_of[image_id], path_of[image_id],
                     REASON_DUPLICATE_ACROSS_SUBJECTS, detail, original))  # fmt: skip
    return pd.DataFrame(rows, columns=list(ISSUE_COLUMNS), dtype=str)


def duplicate_impostor_comparisons(protocol: Any, issues: pd.DataFrame) -> int:
    """Impostor comparisons of ``protocol`` between an image and its copy filed under
    another subject (``duplicate_across_subjects`` rows of manifest_issues.csv)."""
    copies = issues[issues["status"] == REASON_DUPLICATE_ACROSS_SUBJECTS]
    pairs = {frozenset((a, b)) for a, b in zip(copies["image_id"], copies["same_as"])}
    if not pairs:
        return 0
    if protocol.pairs is not None and len(protocol.pairs):
        impostors = protocol.pairs[~protocol.pairs["genuine"].astype(bool)]
        return sum(
            frozenset((r, p)) in pairs for r, p in zip(impostors["reference"], impostors["probe"])
        )
    reference_of = dict(zip(protocol.references["image_id"], protocol.references["subject_id"]))
    probe_of = dict(zip(protocol.probes["image_id"], protocol.probes["subject_id"]))
    count = 0
    for pair in pairs:
        a, b = tuple(pair)
        for reference, probe in ((a, b), (b, a)):
            if reference in reference_of and probe in probe_of:
                count += reference_of[reference] != probe_of[probe]
    return count


def exclude_suspicious(manifest: pd.DataFrame, warnings: pd.DataFrame) -> pd.DataFrame:
    """The manifest without the flagged images (each duplicate group keeps its first)."""
    return manifest[~manifest["image_id"].isin(set(warnings["image_id"]))].reset_index(drop=True)
