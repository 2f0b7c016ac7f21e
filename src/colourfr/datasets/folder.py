"""A generic dataset layout: ``root/<subject>/<image file>``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from colourfr.datasets.manifest import (
    RAW_COLUMNS,
    empty_raw_listing,
    empty_subject_issues,
    listing_row,
    with_listing_issues,
)
from colourfr.errors import ManifestError

DEFAULT_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".tif", ".tiff")


def read_folder(root: Path, extensions: Sequence[str] = DEFAULT_EXTENSIONS) -> pd.DataFrame:
    """One subject per sub-folder; image id ``<subject>/<file stem>``.

    Files with other extensions are ignored. A subject folder without any image is
    attached to the listing as a ``no_images`` issue, which the manifest step records in
    ``manifest_issues.csv`` (the subject has no image, so it is in no protocol).
    """
    root = Path(root)
    if not root.is_dir():
        raise ManifestError(f"dataset folder not found: {root}")
    wanted = {ext.lower() for ext in extensions}
    subject_dirs = sorted(p for p in root.iterdir() if p.is_dir())
    rows = []
    for subject_dir in subject_dirs:
        for image_path in sorted(subject_dir.iterdir()):
            # A link to a missing file is listed (the manifest records it as missing,
            # naming the link's target) rather than skipped without a word.
            listed = image_path.is_file() or image_path.is_symlink()
            if listed and image_path.suffix.lower() in wanted:
                image_id = f"{subject_dir.name}/{image_path.stem}"
                rows.append(listing_row(image_id, subject_dir.name, image_path))
    listing = pd.DataFrame(rows, columns=RAW_COLUMNS) if rows else empty_raw_listing()
    what = f"file with extension {', '.join(sorted(wanted))}"
    return with_listing_issues(listing, empty_subject_issues(subject_dirs, listing, what))
