"""A generic dataset layout: ``root/<subject>/<image file>``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from colourfr.datasets.manifest import RAW_COLUMNS, empty_raw_listing
from colourfr.errors import ManifestError

DEFAULT_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".tif", ".tiff")


def read_folder(root: Path, extensions: Sequence[str] = DEFAULT_EXTENSIONS) -> pd.DataFrame:
    """One subject per sub-folder; image id ``<subject>/<file stem>``.

    Files with other extensions are ignored; empty subject folders are reported by
    the manifest builder (they are subjects without images).
    """
    root = Path(root)
    if not root.is_dir():
        raise ManifestError(f"dataset folder not found: {root}")
    wanted = {ext.lower() for ext in extensions}
    rows = []
    for subject_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for image_path in sorted(subject_dir.iterdir()):
            if image_path.is_file() and image_path.suffix.lower() in wanted:
                rows.append(
                    {
                        "image_id": f"{subject_dir.name}/{image_path.stem}",
                        "subject_id": subject_dir.name,
                        "path": str(image_path.resolve()),
                        "session": "",
                        "capture_date": "",
                        "pose": "",
                        "expression": "",
                    }
                )
    if not rows:
        return empty_raw_listing()
    return pd.DataFrame(rows, columns=RAW_COLUMNS)
