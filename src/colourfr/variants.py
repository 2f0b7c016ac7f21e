"""Image variants on disk: per-shard index files and the images they point to.

An index is a CSV with ``image_id, path, status, detail``. ``status`` is ``ok`` or the
reason the variant could not be produced (an unreadable original stays unreadable in
every variant), so downstream stages record a failure to acquire instead of crashing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from colourfr.errors import ImageReadError, ManifestError
from colourfr.images import read_grey, read_rgb, rec709_luma, write_png
from colourfr.io.atomic import atomic_directory
from colourfr.io.status import STATUS_OK
from colourfr.io.variant_index import INDEX_COLUMNS, read_index, write_index

__all__ = [
    "INDEX_COLUMNS",
    "iter_readable",
    "make_greyscale",
    "original_index",
    "output_path",
    "read_index",
    "read_variant_grey",
    "write_index",
]


def original_index(manifest: pd.DataFrame, shard: str) -> pd.DataFrame:
    rows = manifest[manifest["shard"] == shard]
    if rows.empty:
        raise ManifestError(f"shard {shard} is not in the manifest")
    return rows.loc[:, list(INDEX_COLUMNS)].reset_index(drop=True)


def output_path(directory: str | os.PathLike[str], image_id: str) -> Path:
    # image ids may contain '/' (folder datasets); they were checked against '..'.
    return Path(directory) / f"{image_id}.png"


def iter_readable(
    index: pd.DataFrame, reader: Callable[[str], np.ndarray] = read_rgb
) -> Iterator[tuple[pd.Series, np.ndarray | None, str, str]]:
    """Yield (row, image or None, status, detail) for each index row."""
    for _, row in index.iterrows():
        if row["status"] != STATUS_OK:
            yield row, None, row["status"], row["detail"]
            continue
        try:
            yield row, reader(row["path"]), STATUS_OK, ""
        except ImageReadError as exc:
            yield row, None, exc.reason, exc.detail


def make_greyscale(index: pd.DataFrame, out_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Write the Rec. 709 luma PNG of every readable image; return the new index.

    The PNGs go to a temporary folder that becomes ``out_dir`` only when all are written
    (a killed job leaves no folder that looks complete); the index names the final paths.
    """
    final = Path(out_dir).resolve()
    rows = []
    with atomic_directory(final) as building:
        for row, rgb, status, detail in iter_readable(index):
            path = ""
            if rgb is not None:
                write_png(output_path(building, row["image_id"]), rec709_luma(rgb), durable=False)
                path = str(output_path(final, row["image_id"]))
            rows.append(
                {"image_id": row["image_id"], "path": path, "status": status, "detail": detail}
            )
    return pd.DataFrame(rows, columns=list(INDEX_COLUMNS))


def read_variant_grey(path: str) -> np.ndarray:
    return read_grey(path)
