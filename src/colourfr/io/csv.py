"""CSV tables: written atomically with a completion marker, read with validation.

The writer records the row count and columns in a hidden marker beside the file
(``.<name>.complete``), written after the table itself. A reader checks what it can
always check (header, trailing newline, the same number of fields on every row), and
the marker where there is one, so that a table cut short, even at a line boundary, is an
error that names the file instead of silently fewer rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from colourfr.errors import ColourfrError
from colourfr.io.atomic import atomic_path, write_text

MARKER_SUFFIX = ".complete"


class TableFileError(ColourfrError):
    """A table file is missing, cut short or not the table expected; names the file."""


def marker_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}{MARKER_SUFFIX}")


def write_csv(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, na_rep: str = "", **kwargs: Any
) -> Path:
    """Write ``frame`` (no index) atomically, then its completion marker."""
    path = Path(path)
    marker = marker_path(path)
    marker.unlink(missing_ok=True)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, na_rep=na_rep, lineterminator="\n", **kwargs)
    write_text(marker, json.dumps({"rows": len(frame), "columns": list(map(str, frame.columns))}))
    return path


def _structure_problem(text: str) -> str | None:
    if not text:
        return "is empty"
    if not text.endswith("\n"):
        return "does not end with a newline (cut short while being written?)"
    widths = {len(row) for row in csv.reader(io.StringIO(text)) if row}
    if len(widths) > 1:
        return f"has rows with {sorted(widths)} fields (cut short or ragged)"
    return None


def read_csv(
    path: str | os.PathLike[str],
    *,
    required: Sequence[str] = (),
    what: str = "table",
    **kwargs: Any,
) -> pd.DataFrame:
    """Read a CSV the workflow wrote; a missing, truncated or foreign file raises
    :class:`TableFileError` naming it and what to do. ``kwargs`` go to ``pd.read_csv``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TableFileError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TableFileError(f"{path}: cannot read {what} ({exc})") from None
    problem = _structure_problem(text)
    if problem:
        raise TableFileError(f"{path}: {what} {problem}; delete it and rerun the workflow")
    try:
        frame = pd.read_csv(io.StringIO(text), **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise TableFileError(f"{path}: not a valid {what} ({exc})") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise TableFileError(f"{path}: not a {what} (missing columns {missing})")
    check_row_count(path, len(frame), what)
    return frame


def check_row_count(path: str | os.PathLike[str], rows: int, what: str = "table") -> None:
    """Raise :class:`TableFileError` when the completion marker beside ``path`` (if any)
    records another number of rows than the ``rows`` read."""
    marker = marker_path(path)
    if not marker.is_file():
        return
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        recorded = {}
    if recorded.get("rows") is not None and recorded["rows"] != rows:
        raise TableFileError(
            f"{path}: {what} has {rows} rows but {recorded['rows']} were written "
            "(cut short or changed since); delete it and rerun the workflow"
        )
