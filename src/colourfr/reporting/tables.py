"""Writing tables for readers: Markdown and LaTeX next to the CSV."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def write_markdown(table: pd.DataFrame, path: str | os.PathLike[str], title: str = "") -> None:
    text = (f"# {title}\n\n" if title else "") + table.to_markdown(index=False) + "\n"
    Path(path).write_text(text)


def write_latex(
    table: pd.DataFrame, path: str | os.PathLike[str], caption: str = "", label: str = ""
) -> None:
    body = table.to_latex(index=False, escape=True, caption=caption or None, label=label or None)
    Path(path).write_text(body)
