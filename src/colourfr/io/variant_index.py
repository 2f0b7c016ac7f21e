"""The variant index: one CSV per (dataset, variant, shard) listing its images.

Columns ``image_id, path, status, detail``; ``status`` is ``ok`` or the reason the variant
could not be produced (an unreadable original stays unreadable in every variant), so
downstream stages record a failure to acquire instead of crashing.
"""

from __future__ import annotations

import os

import pandas as pd

from colourfr.io.csv import read_csv, write_csv

INDEX_COLUMNS: tuple[str, ...] = ("image_id", "path", "status", "detail")


def read_index(path: str | os.PathLike[str]) -> pd.DataFrame:
    return read_csv(
        path, required=INDEX_COLUMNS, what="variant index", dtype=str, keep_default_na=False
    )


def write_index(table: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    write_csv(table.loc[:, list(INDEX_COLUMNS)], path)
