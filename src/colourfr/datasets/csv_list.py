"""A user-supplied image list (CSV)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from colourfr.datasets.manifest import OPTIONAL_COLUMNS, RAW_COLUMNS
from colourfr.errors import ManifestError

REQUIRED_COLUMNS = ("image_id", "subject_id", "path")


def read_csv_list(root: Path, image_list: str) -> pd.DataFrame:
    """Read ``image_list`` (CSV); relative image paths are taken relative to ``root``."""
    list_path = Path(image_list)
    try:
        table = pd.read_csv(list_path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{list_path}: cannot read image list: {exc}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ManifestError(
            f"{list_path}: missing column(s) {', '.join(missing)}; "
            f"required: {', '.join(REQUIRED_COLUMNS)}"
        )
    for column in REQUIRED_COLUMNS:
        blank = table.index[table[column].str.strip() == ""]
        if len(blank):
            raise ManifestError(f"{list_path}: line {int(blank[0]) + 2}: empty {column}")
    for column in OPTIONAL_COLUMNS:
        if column not in table.columns:
            table[column] = ""
    table["path"] = [
        str((Path(root) / p).resolve()) if not Path(p).is_absolute() else p for p in table["path"]
    ]
    return table[list(RAW_COLUMNS)].reset_index(drop=True)
