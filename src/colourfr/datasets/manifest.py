"""From a reader's raw listing to a validated, sharded manifest.

Listing defects (duplicate ids, missing files, an empty dataset) stop the workflow with
one error naming the culprit. Per-image decoding defects (zero-byte, truncated,
undecodable, unsupported mode) are a property of the sample: the image stays in the
manifest with its ``status`` and is counted as a failure to acquire downstream.
Subject-level defects a reader finds (a subject folder without images) have no image to
keep: the reader attaches them to its listing (:func:`with_listing_issues`) and they are
recorded next to the undecodable images in ``manifest_issues.csv``, with an empty
``image_id``.
"""

from __future__ import annotations

import hashlib
import math
import os
import stat
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from colourfr.errors import ImageReadError, ManifestError
from colourfr.images import read_rgb_noting
from colourfr.io.manifest import (
    ISSUE_COLUMNS,
    MANIFEST_COLUMNS,
    RAW_COLUMNS,
    read_manifest,
    write_manifest,
)
from colourfr.io.status import REASON_NO_IMAGES, STATUS_OK

__all__ = [
    "ISSUE_COLUMNS",
    "MANIFEST_COLUMNS",
    "OPTIONAL_COLUMNS",
    "RAW_COLUMNS",
    "STATUS_OK",
    "build_manifest",
    "listed_path",
    "listing_row",
    "manifest_issues",
    "raw_listing_of",
    "read_manifest",
    "read_subject_list",
    "write_manifest",
]

OPTIONAL_COLUMNS = ("session", "capture_date", "pose", "expression")

# Key of the listing's (and manifest's) DataFrame.attrs entry that carries subject-level
# issues: the reader interface returns one DataFrame, and these rows have no image.
_LISTING_ISSUES = "colourfr_listing_issues"


@dataclass(frozen=True)
class ListingIssue:
    """A problem found while listing a dataset that concerns no single image."""

    subject_id: str
    path: str
    status: str
    detail: str = ""


def raw_listing_of(rows: Sequence[dict[str, str]], nothing_left: str) -> pd.DataFrame:
    """A reader's rows as a raw listing in image-id order; ``nothing_left`` is the
    error when no row is left (it names the root and the selection that removed all)."""
    if not rows:
        raise ManifestError(nothing_left)
    frame = pd.DataFrame(list(rows), columns=list(RAW_COLUMNS))
    return frame.sort_values("image_id", kind="stable").reset_index(drop=True)


def listing_row(image_id: str, subject_id: str, path: Path) -> dict[str, str]:
    """A listing row of a reader that knows only where an image is and whose it is (the
    optional columns empty)."""
    return {
        "image_id": image_id,
        "subject_id": subject_id,
        "path": listed_path(path),
        **dict.fromkeys(OPTIONAL_COLUMNS, ""),
    }


def empty_raw_listing() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=str) for column in RAW_COLUMNS})


def with_listing_issues(listing: pd.DataFrame, issues: Iterable[ListingIssue]) -> pd.DataFrame:
    """Attach subject-level issues to a reader's listing (returned for chaining)."""
    listing.attrs[_LISTING_ISSUES] = tuple(issues)
    return listing


def listed_path(path: Path) -> str:
    """The absolute path a listing records: resolved, except for a broken symbolic link,
    which stays the link so that the manifest can say what it points to."""
    return str(path.resolve()) if path.exists() else str(path.absolute())


def listing_issues(table: pd.DataFrame) -> tuple[ListingIssue, ...]:
    """The subject-level issues attached to a listing or manifest (none if not attached)."""
    return tuple(table.attrs.get(_LISTING_ISSUES, ()))


def empty_subject_issues(
    subject_dirs: Iterable[Path], listing: pd.DataFrame, wanted: str
) -> list[ListingIssue]:
    """A ``no_images`` issue per subject folder that contributed no row to ``listing``."""
    listed = set(listing["subject_id"])
    return [
        ListingIssue(
            subject_id=folder.name,
            path=str(folder.resolve()),
            status=REASON_NO_IMAGES,
            detail=f"subject folder holds no {wanted}",
        )
        for folder in subject_dirs
        if folder.name not in listed
    ]


@dataclass(frozen=True)
class SubjectSelection:
    """Which subjects enter the experiment."""

    min_images: int = 1
    max_subjects: int | None = None
    exclude: frozenset[str] = frozenset()


def shard_name(index: int) -> str:
    return f"s{index:04d}"


def shard_count(n_images: int, shard_size: int) -> int:
    """The number of shards: the smallest power of two with at most ``shard_size`` images
    per shard on average. A power of two keeps it unchanged while a dataset grows or
    shrinks within a factor of two, so that images keep their shards."""
    needed = max(1, math.ceil(n_images / shard_size))
    return 1 << (needed - 1).bit_length()


def shard_of(image_id: str, n_shards: int) -> str:
    """The shard of an image: a stable hash of its id, so that adding, removing or
    replacing an image changes only its own shard (and every per-image job of the other
    shards stays up to date)."""
    digest = hashlib.sha256(image_id.encode("utf-8")).digest()
    return shard_name(int.from_bytes(digest[:8], "big") % n_shards)


def canonical_id(image_id: str) -> str:
    """The one spelling of an id: no ``.`` parts, no empty parts, no trailing slash."""
    return "/".join(part for part in image_id.split("/") if part not in ("", "."))


def _check_canonical_ids(listing: pd.DataFrame, dataset: str) -> None:
    ids = listing["image_id"].astype(str)
    canonical = ids.map(canonical_id)
    odd = listing[ids != canonical]
    if odd.empty:
        return
    image_id = str(odd["image_id"].iloc[0])
    target = canonical_id(image_id)
    same = listing[(ids == target) | (canonical == target)]
    others = [str(i) for i in same["image_id"] if str(i) != image_id]
    clash = f"; it names the same output file as {others[0]!r}" if others else ""
    raise ManifestError(
        f"dataset {dataset}: image_id {image_id!r} ({odd['path'].iloc[0]}) is not canonical: "
        f"write it as {target!r}{clash}"
    )


def normalised_id(value: str) -> str:
    """An id as every step uses it: Unicode NFC (a name typed on one system and listed by
    another is one name), surrounding whitespace stripped."""
    return unicodedata.normalize("NFC", str(value)).strip()


def _case_variants(values: pd.Series) -> tuple[str, str] | None:
    """Two distinct values of ``values`` that differ only in case, or None."""
    seen: dict[str, str] = {}
    for value in sorted(set(values)):
        folded = value.casefold()
        if folded in seen:
            return seen[folded], value
        seen[folded] = value
    return None


def normalise_ids(listing: pd.DataFrame, dataset: str, merge_case: bool = False) -> pd.DataFrame:
    """Subject and image ids normalised (:func:`normalised_id`); subject ids that then
    differ only in case are one subject under its first spelling (in sorted order) when
    ``merge_case``, else an error naming both; image ids that differ only in case are
    always an error (their output files would be one file on a case-insensitive disk)."""
    listing = listing.assign(
        subject_id=listing["subject_id"].map(normalised_id),
        image_id=listing["image_id"].map(normalised_id),
    )
    variants = _case_variants(listing["subject_id"])
    if variants is not None and merge_case:
        spelling: dict[str, str] = {}
        for value in sorted(set(listing["subject_id"])):
            spelling.setdefault(value.casefold(), value)
        listing["subject_id"] = listing["subject_id"].map(lambda v: spelling[v.casefold()])
    elif variants is not None:
        first, second = variants
        paths = [listing.loc[listing["subject_id"] == name, "path"].iloc[0] for name in variants]
        raise ManifestError(
            f"dataset {dataset}: subject ids {first!r} ({paths[0]}) and {second!r} "
            f"({paths[1]}) differ only in case: spell them alike, or set "
            f"datasets.{dataset}.subjects.merge_case_variants: true to make them one subject"
        )
    variants = _case_variants(listing["image_id"])
    if variants is not None:
        paths = [listing.loc[listing["image_id"] == name, "path"].iloc[0] for name in variants]
        raise ManifestError(
            f"dataset {dataset}: image ids {variants[0]!r} ({paths[0]}) and {variants[1]!r} "
            f"({paths[1]}) differ only in case; their outputs would be one file on a "
            "case-insensitive disk: rename one"
        )
    return listing


def _check_image_ids(listing: pd.DataFrame, dataset: str) -> None:
    _check_canonical_ids(listing, dataset)
    duplicated = listing[listing["image_id"].duplicated(keep=False)]
    if not duplicated.empty:
        first = duplicated.sort_values("image_id").head(2)
        raise ManifestError(
            f"dataset {dataset}: duplicate image_id {first['image_id'].iloc[0]!r} "
            f"({'; '.join(first['path'])})"
        )
    for image_id in listing["image_id"]:
        parts = Path(image_id).parts
        if not image_id or image_id.startswith("/") or ".." in parts or "\\" in image_id:
            raise ManifestError(
                f"dataset {dataset}: image_id {image_id!r} cannot name an output file "
                "(empty, absolute, backslash or '..')"
            )
    for column in ("subject_id", "path"):
        blank = listing[listing[column].astype(str).str.strip() == ""]
        if not blank.empty:
            raise ManifestError(
                f"dataset {dataset}: image {blank['image_id'].iloc[0]!r} has an empty {column}"
            )


def select_subjects(listing: pd.DataFrame, selection: SubjectSelection) -> pd.DataFrame:
    """Apply exclusions, the minimum image count and the subject cap (by subject name)."""
    kept = listing[~listing["subject_id"].isin(selection.exclude)]
    counts = kept.groupby("subject_id")["image_id"].transform("size")
    kept = kept[counts >= selection.min_images]
    if selection.max_subjects is not None:
        subjects = sorted(kept["subject_id"].unique())[: selection.max_subjects]
        kept = kept[kept["subject_id"].isin(subjects)]
    return kept


_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_an_image_file(path: str) -> str | None:
    """Why a listed path cannot be an image file ("does not exist", "a FIFO ...", with the
    link's target where it is a link), or None for a regular file or a broken link (the
    latter is recorded as missing, an FTA)."""
    link = f" (a link to {os.readlink(path)})" if os.path.islink(path) else ""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None if link else "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror}){link}"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    return kind + link


def _probe_image(path: str) -> tuple[int, int, str, str]:
    try:
        rgb, note = read_rgb_noting(path)
    except ImageReadError as exc:
        return 0, 0, exc.reason, exc.detail
    # An ok image's detail records what decoding did (EXIF orientation, multi-frame).
    return int(rgb.shape[1]), int(rgb.shape[0]), STATUS_OK, note


def inspect_images(paths: Sequence[str], threads: int = 1) -> list[tuple[int, int, str, str]]:
    """Decode every image once: (width, height, status, detail) per path."""
    if threads <= 1:
        return [_probe_image(p) for p in paths]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(_probe_image, paths, chunksize=64))


def _empty_folders(issues: Sequence[ListingIssue]) -> str:
    """`` (N empty subject folder(s), e.g. PATH)`` for an error message, or ``""``."""
    empty = [i.path for i in issues if i.status == REASON_NO_IMAGES]
    return f" ({len(empty)} empty subject folder(s), e.g. {empty[0]})" if empty else ""


def build_manifest(
    listing: pd.DataFrame,
    dataset: str,
    *,
    selection: SubjectSelection = SubjectSelection(),
    shard_size: int = 1000,
    threads: int = 1,
    fail_on_bad_image: bool = False,
    merge_case_variants: bool = False,
) -> pd.DataFrame:
    """Validate a raw listing and return the manifest (see MANIFEST_COLUMNS)."""
    missing_columns = [c for c in RAW_COLUMNS if c not in listing.columns]
    if missing_columns:
        raise ManifestError(f"dataset {dataset}: listing lacks columns {missing_columns}")
    # Read before any pandas operation: not every one of them carries attrs over.
    subject_issues = tuple(
        issue for issue in listing_issues(listing) if issue.subject_id not in selection.exclude
    )
    if listing.empty:
        raise ManifestError(f"dataset {dataset}: no images found{_empty_folders(subject_issues)}")
    listing = listing.loc[:, list(RAW_COLUMNS)].astype(str)
    listing = normalise_ids(listing, dataset, merge_case=merge_case_variants)
    _check_image_ids(listing, dataset)
    listing = select_subjects(listing, selection)
    if listing.empty:
        raise ManifestError(
            f"dataset {dataset}: no subject left after selection (min_images="
            f"{selection.min_images}, {len(selection.exclude)} excluded subjects)"
        )
    # A CSV naming a file that is not there is a listing error; a symbolic link that
    # points nowhere is the dataset's own state, recorded as missing (FTA) with its target.
    # Anything that is not a file (a FIFO, /dev/zero, a folder) would block or never end
    # when read: an error naming it, before any image is read.
    odd = [(p, what) for p in listing["path"] if (what := not_an_image_file(p))]
    if odd:
        path, what = odd[0]
        raise ManifestError(
            f"dataset {dataset}: {len(odd)} listed image path(s) are not image files, e.g. "
            f"{path}: {what}"
        )
    listing = listing.sort_values(["subject_id", "image_id"], kind="stable").reset_index(drop=True)
    inspected = inspect_images(list(listing["path"]), threads=threads)
    manifest = listing.assign(
        width=[w for w, _, _, _ in inspected],
        height=[h for _, h, _, _ in inspected],
        status=[s for _, _, s, _ in inspected],
        detail=[d for _, _, _, d in inspected],
    )
    bad = manifest[manifest["status"] != STATUS_OK]
    if fail_on_bad_image and not bad.empty:
        row = bad.iloc[0]
        raise ManifestError(
            f"dataset {dataset}: {len(bad)} unreadable image(s), e.g. {row['path']}: "
            f"{row['status']} {row['detail']}".rstrip()
        )
    if (manifest["status"] == STATUS_OK).sum() == 0:
        raise ManifestError(f"dataset {dataset}: none of the {len(manifest)} images can be read")
    if shard_size < 1:
        raise ManifestError(f"shard_size must be >= 1, got {shard_size}")
    n_shards = shard_count(len(manifest), shard_size)
    manifest["shard"] = [shard_of(image_id, n_shards) for image_id in manifest["image_id"]]
    return with_listing_issues(manifest.loc[:, list(MANIFEST_COLUMNS)], subject_issues)


def manifest_issues(manifest: pd.DataFrame) -> pd.DataFrame:
    """Images that could not be decoded (they stay in the manifest and count as FTA
    downstream), then the subject-level issues of the listing (empty ``image_id``)."""
    bad = manifest.loc[manifest["status"] != STATUS_OK, list(ISSUE_COLUMNS[:-1])].assign(same_as="")
    subjects = pd.DataFrame(
        [("", i.subject_id, i.path, i.status, i.detail, "") for i in listing_issues(manifest)],
        columns=list(ISSUE_COLUMNS),
        dtype=str,
    )
    # Concatenating an empty frame is deprecated in pandas: skip it.
    frames = [frame for frame in (bad, subjects) if not frame.empty]
    if len(frames) < 2:
        return (frames[0] if frames else bad).reset_index(drop=True)
    return pd.concat(frames, ignore_index=True)


def read_subject_list(paths: Iterable[str | os.PathLike[str]]) -> frozenset[str]:
    """Subjects from LFW people files (count line, then ``Name<TAB>N``) or one name per line."""
    names: set[str] = set()
    for path in paths:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError as exc:
            raise ManifestError(f"cannot read subject list {path}: {exc}") from None
        for line in lines:
            field = normalised_id(line.split("\t")[0])
            if field and not field.isdigit():
                names.add(field)
    return frozenset(names)
