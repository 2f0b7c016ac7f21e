"""Run a colouriser over a shard's greyscale index: batching, PNG output, provenance."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.colourisers import REGISTRY
from colourfr.colourisers.base import Colouriser
from colourfr.datasets.manifest import STATUS_OK
from colourfr.images import write_png
from colourfr.variants import INDEX_COLUMNS, iter_readable, output_path, read_variant_grey


def build_colouriser(plugin: str, params: dict[str, Any]) -> Colouriser:
    return REGISTRY.get(plugin).create(**params)


def _limit_threads(threads: int) -> None:
    # Set before the plugin imports numerical libraries; torch is told directly too.
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(threads)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover - torch is a core dependency
        pass


def colourise_index(
    index: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    plugin: str,
    params: dict[str, Any],
    batch_size: int,
    threads: int = 1,
    colouriser: Colouriser | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Colourise every readable grey image; failures keep their status in the new index."""
    _limit_threads(threads)
    model = colouriser if colouriser is not None else build_colouriser(plugin, params)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, str]] = {}
    pending: list[tuple[str, np.ndarray]] = []

    def flush() -> None:
        if not pending:
            return
        coloured = model.colourise([image for _, image in pending])
        if len(coloured) != len(pending):
            raise RuntimeError(
                f"colouriser {plugin} returned {len(coloured)} images for {len(pending)}"
            )
        for (image_id, grey), rgb in zip(pending, coloured):
            if rgb.shape != (*grey.shape, 3) or rgb.dtype != np.uint8:
                raise RuntimeError(
                    f"colouriser {plugin} returned {rgb.shape} {rgb.dtype} for a "
                    f"{grey.shape} image ({image_id}); expected (H, W, 3) uint8"
                )
            target = output_path(out_dir, image_id)
            write_png(target, rgb)
            results[image_id] = {"path": str(target.resolve()), "status": STATUS_OK, "detail": ""}
        pending.clear()

    for row, grey, status, detail in iter_readable(index, reader=read_variant_grey):
        if grey is None:
            results[row["image_id"]] = {"path": "", "status": status, "detail": detail}
            continue
        pending.append((row["image_id"], grey))
        if len(pending) >= batch_size:
            flush()
    flush()
    table = pd.DataFrame(
        [{"image_id": i, **results[i]} for i in index["image_id"]], columns=list(INDEX_COLUMNS)
    )
    provenance = {
        "plugin": plugin,
        "params": params,
        "batch_size": batch_size,
        "python": platform.python_version(),
        "colouriser": model.provenance(),
    }
    return table, provenance
