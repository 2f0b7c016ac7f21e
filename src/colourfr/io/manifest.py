"""The manifest (one row per image of a dataset) and its issue list, as CSV."""

from __future__ import annotations

import os

import pandas as pd

from colourfr.io.csv import read_csv, write_csv

#: Columns of a dataset reader's listing (optional ones may be empty).
RAW_COLUMNS: tuple[str, ...] = (
    "image_id",
    "subject_id",
    "path",
    "session",
    "capture_date",
    "pose",
    "expression",
)
MANIFEST_COLUMNS: tuple[str, ...] = (*RAW_COLUMNS, "width", "height", "status", "detail", "shard")
#: ``same_as``: for a duplicate, the image it duplicates (empty for other issues).
ISSUE_COLUMNS: tuple[str, ...] = ("image_id", "subject_id", "path", "status", "detail", "same_as")


def read_manifest(path: str | os.PathLike[str]) -> pd.DataFrame:
    table = read_csv(
        path,
        required=MANIFEST_COLUMNS,
        what="colourfr manifest",
        dtype=str,
        keep_default_na=False,
    )
    table["width"] = table["width"].astype(int)
    table["height"] = table["height"].astype(int)
    return table


def write_manifest(table: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    write_csv(table, path)


def read_manifest_issues(path: str | os.PathLike[str]) -> pd.DataFrame:
    return read_csv(
        path, required=ISSUE_COLUMNS, what="manifest issue list", dtype=str, keep_default_na=False
    )


def write_manifest_issues(table: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    write_csv(table, path)
