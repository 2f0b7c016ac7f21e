"""The one table writer: CSV (with completion marker), Markdown (with an HTML twin for the
report) and LaTeX with caption.

Every table meant for readers goes through :func:`write_table`. Tables with a layout of
their own (Table 3) pass their rendered Markdown / LaTeX; the others get the default
rendering from the frame.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from colourfr.io.atomic import write_text
from colourfr.io.csv import write_csv
from colourfr.io.html import markdown_to_html


def markdown(frame: pd.DataFrame, title: str = "", caption: str = "", floatfmt: str = "g") -> str:
    """A Markdown table, optionally under a ``# title`` and a caption paragraph."""
    head = f"# {title}\n\n" if title else ""
    if caption:
        head += caption.rstrip() + "\n\n"
    return head + frame.to_markdown(index=False, floatfmt=floatfmt) + "\n"


def latex(
    frame: pd.DataFrame, caption: str = "", label: str = "", float_format: str | None = None
) -> str:
    """A LaTeX ``table`` with caption and label (booktabs rules)."""
    formatter = (lambda value: float_format % value) if float_format else None
    return frame.to_latex(
        index=False,
        escape=True,
        caption=caption or None,
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
