"""The one table writer: CSV (with completion marker), Markdown (with an HTML twin for the
report) and LaTeX with caption.

Every table meant for readers goes through :func:`write_table`. Tables with a layout of
their own (Table 3) pass their rendered Markdown / LaTeX; the others get the default
rendering from the frame.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from colourfr.io import escape
from colourfr.io.atomic import write_text
from colourfr.io.csv import write_csv
from colourfr.io.html import markdown_to_html


def _escaped(frame: pd.DataFrame, escape_text: Callable[[Any], str]) -> pd.DataFrame:
    """The frame with its header and text cells escaped (numbers stay numbers)."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            shown[column] = values.map(lambda v: v if pd.isna(v) else escape_text(v))
    shown.columns = [escape_text(c) for c in shown.columns]
    return shown


def markdown(
    frame: pd.DataFrame,
    title: str = "",
    caption: str = "",
    floatfmt: str = "g",
    numparse: bool = True,
) -> str:
    """A Markdown table (cells escaped: a label with ``|`` stays in its column),
    optionally under a ``# title`` and a caption paragraph (both written as given)."""
    head = f"# {title}\n\n" if title else ""
    if caption:
        head += caption.rstrip() + "\n\n"
    table = _escaped(frame, escape.markdown).to_markdown(
        index=False, floatfmt=floatfmt, disable_numparse=not numparse
    )
    return head + table + "\n"


def latex(
    frame: pd.DataFrame, caption: str = "", label: str = "", float_format: str | None = None
) -> str:
    """A LaTeX ``table`` with caption and label (booktabs rules); cells, header and
    caption escaped."""
    formatter = (lambda value: float_format % value) if float_format else None
    return _escaped(frame, escape.latex).to_latex(
        index=False,
        escape=False,
        caption=escape.latex(caption) if caption else None,
        label=label or None,
        float_format=formatter,
    )


def write_table(
    frame: pd.DataFrame,
    *,
    csv: str | os.PathLike[str] | None = None,
    md: str | os.PathLike[str] | None = None,
    tex: str | os.PathLike[str] | None = None,
    title: str = "",
    caption: str = "",
    label: str = "",
    floatfmt: str = "g",
    markdown_text: str | None = None,
    latex_text: str | None = None,
) -> None:
    """Write ``frame`` as CSV (all fields), Markdown and LaTeX, each atomically. The
    Markdown gets an HTML twin (same name, ``.html``) for the Snakemake report."""
    if csv is not None:
        write_csv(frame, csv)
    if md is not None:
        text = (
            markdown_text
            if markdown_text is not None
            else markdown(frame, title, caption, floatfmt)
        )
        write_text(md, text)
        write_text(Path(md).with_suffix(".html"), markdown_to_html(text, title))
    if tex is not None:
        float_format = f"%{floatfmt}" if floatfmt and floatfmt != "g" else None
        write_text(
            tex,
            latex_text
            if latex_text is not None
            else latex(frame, caption or title, label, float_format),
        )


def ensure_folder(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
