"""Writing tables for readers: Markdown and LaTeX next to the CSV (colourfr.io.tables)."""

from __future__ import annotations

import os

import pandas as pd

from colourfr.io.tables import latex, markdown, write_table

__all__ = ["latex", "markdown", "write_latex", "write_markdown", "write_table"]


def write_markdown(table: pd.DataFrame, path: str | os.PathLike[str], title: str = "") -> None:
    write_table(table, md=path, title=title)


def write_latex(
    table: pd.DataFrame, path: str | os.PathLike[str], caption: str = "", label: str = ""
) -> None:
    write_table(table, tex=path, caption=caption, label=label)
