"""Example-image figures: variant rows per subject (paper Fig. 1/2) and the images whose
greyscale variant failed to acquire while a colourised one succeeded (paper Fig. 5)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.errors import ImageReadError
from colourfr.images import read_rgb
from colourfr.io.figures import pyplot, save_figures


def _load(path: str) -> np.ndarray | None:
    if not path:
        return None
    try:
        return read_rgb(path)
    except ImageReadError:
        return None


def _save(figure: Any, stem: str | os.PathLike[str]) -> None:
    """The figure as ``stem``.png and ``stem``.pdf (paper figures are saved by stem)."""
    stem = Path(stem)
    save_figures(figure, stem.with_suffix(".png"), stem.with_suffix(".pdf"))
    pyplot().close(figure)


def _image_grid(
    rows: Sequence[Sequence[np.ndarray | None]],
    column_titles: Sequence[str],
    row_titles: Sequence[str],
) -> Any:
    n_rows, n_cols = max(len(rows), 1), len(column_titles)
    figure, axes = pyplot().subplots(
        n_rows, n_cols, figsize=(1.9 * n_cols, 2.0 * n_rows), squeeze=False
    )
    for r in range(n_rows):
        for c in range(n_cols):
            axis = axes[r][c]
            axis.set_xticks([])
            axis.set_yticks([])
            image = rows[r][c] if r < len(rows) else None
            if image is None:
                axis.text(0.5, 0.5, "n/a", ha="center", va="center", transform=axis.transAxes)
            else:
                axis.imshow(image)
            if r == 0:
                axis.set_title(column_titles[c], fontsize=8)
            if c == 0 and r < len(row_titles):
                axis.set_ylabel(row_titles[r], fontsize=7)
    figure.tight_layout()
    return figure


def variant_rows_figure(
    image_ids: Sequence[str],
    indexes: Mapping[str, pd.DataFrame],
    stem: str | os.PathLike[str],
) -> None:
    """One row per image, one column per variant (original, grey, colourised-...)."""
    by_variant = {v: table.set_index("image_id")["path"] for v, table in indexes.items()}
    rows = [
        [_load(str(by_variant[v].get(image_id, ""))) for v in indexes] for image_id in image_ids
    ]
    _save(_image_grid(rows, list(indexes), list(image_ids)), stem)


def fta_rescue_figure(
    changes: pd.DataFrame,
    grey_index: pd.DataFrame,
    colour_index: pd.DataFrame,
    colouriser: str,
    stem: str | os.PathLike[str],
    limit: int = 8,
) -> None:
    """Greyscale failures that colourisation rescued, side by side (paper Fig. 5)."""
    rescued = changes[changes["change"] == "rescued"].head(limit)
    grey_paths = grey_index.set_index("image_id")["path"]
    colour_paths = colour_index.set_index("image_id")["path"]
    rows = [
        [_load(str(grey_paths.get(i, ""))), _load(str(colour_paths.get(i, "")))]
        for i in rescued["image_id"]
    ]
    if not rows:
        figure, axis = pyplot().subplots(figsize=(4, 1.2))
        axis.axis("off")
        axis.text(0.5, 0.5, f"no greyscale FTA rescued by {colouriser}", ha="center", va="center")
        _save(figure, stem)
        return
    titles = [
        f"{image_id}\n(grey: {reason})"
        for image_id, reason in zip(rescued["image_id"], rescued["grey_failure"])
    ]
    _save(_image_grid(rows, ["greyscale (FTA)", f"colourised: {colouriser}"], titles), stem)
