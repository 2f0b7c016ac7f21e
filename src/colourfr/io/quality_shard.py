"""The per-shard quality table: ``image_id, score, failure`` plus estimator-specific
columns, one row per image of the variant index, in its order."""

from __future__ import annotations

import os

import pandas as pd

from colourfr.io.csv import read_csv, write_csv

BASE_COLUMNS: tuple[str, ...] = ("image_id", "score", "failure")


def read_quality_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A per-shard quality table, checked for its base columns."""
    # Only an empty field is missing: an image id such as "NA" stays text.
    table = read_csv(
        path,
        required=BASE_COLUMNS,
        what="quality table",
        dtype={"image_id": str, "failure": str},
        keep_default_na=False,
        na_values=[""],
    )
    table["failure"] = table["failure"].fillna("")
    for column in table.columns:
        if column not in ("image_id", "failure"):
            table[column] = pd.to_numeric(table[column], errors="coerce")
    return table


def write_quality_table(table: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    write_csv(table, path)
