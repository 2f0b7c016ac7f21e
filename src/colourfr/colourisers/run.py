"""Run a colouriser over a shard's greyscale index: batching, PNG output, provenance.

The colouriser is built by :func:`colourfr.registry.build` (in the workflow from the plan's
params, with every model file a tracked job input; see colourfr.plugin_plan). Unreadable
grey images (the variant's ``status`` already a failure, or a file that no longer decodes:
``missing``, ``empty_file``, ``truncated``, ...) are recorded in the new index with their
reason; every other image is colourised.
"""

from __future__ import annotations

import logging
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.colourisers.base import Colouriser
from colourfr.errors import ConfigError
from colourfr.images import write_png
from colourfr.io.atomic import atomic_directory
from colourfr.io.status import STATUS_OK
from colourfr.logs import ProgressLog
from colourfr.registry import build
from colourfr.variants import INDEX_COLUMNS, iter_readable, output_path, read_variant_grey

#: The config's default ``resources_dir``.
DEFAULT_RESOURCES_DIR = "resources"


def build_colouriser(
    plugin: str,
    params: dict[str, Any],
    resources_dir: str | os.PathLike[str] = DEFAULT_RESOURCES_DIR,
    allow_downloads: bool = False,
    instance: str | None = None,
) -> Colouriser:
    """A colouriser from validated params (outside the workflow: notebooks, tests)."""
    return build(  # type: ignore[no-any-return]
        "colourisers",
        plugin,
        params,
        resources_dir=resources_dir,
        allow_downloads=allow_downloads,
        instance=instance,
    )


def check_disjoint_from_training(
    model: Colouriser,
    subject_of_image: dict[str, str],
    index: pd.DataFrame,
    instance: str | None = None,
    required: bool = False,
) -> None:
    """Refuse to colourise evaluation images of people the colouriser was trained on.

    A colouriser that knows its training people (``training_subjects()``, the
    workflow-trained U-Net) would be evaluated on faces it has seen, which flatters it;
    the paper's colourisers never saw FERET or FRGC. Raised before any image is written.
    """
    known = getattr(model, "training_subjects", None)
    trained_on = known() if callable(known) else None
    if not trained_on:
        if required:
            name = f"colourisers.{instance}" if instance else "the colouriser"
            raise ConfigError(
                f"{name}: its plugin declares trained_on_subjects but the built colouriser "
                "reports no training subjects (training_subjects() is missing or empty), so "
                "subject-disjoint evaluation cannot be checked"
            )
        return
    seen = sorted(
        {subject_of_image[i] for i in index["image_id"] if subject_of_image.get(i) in trained_on}
    )
    if seen:
        name = f"colourisers.{instance}" if instance else "the colouriser"
        raise ConfigError(
            f"{name} was trained on {len(seen)} subject(s) of this dataset's shard "
            f"(e.g. {', '.join(seen[:3])}): evaluation must be subject-disjoint from training; "
            "list the training split (LFW peopleDevTrain.txt) in the dataset's "
            "subjects.exclude_lists"
        )


def limit_threads(threads: int) -> None:
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
    resources_dir: str | os.PathLike[str] = DEFAULT_RESOURCES_DIR,
    allow_downloads: bool = False,
    instance: str | None = None,
    subject_of_image: dict[str, str] | None = None,
    require_training_subjects: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Colourise every readable grey image; failures keep their status in the new index.

    ``resources_dir`` / ``allow_downloads``: the config's global keys (downloads are off
    unless asked for); ``instance``: the config name, for error messages;
    ``subject_of_image`` (image_id -> subject_id, from the manifest): checked against the
    colouriser's training people (:func:`check_disjoint_from_training`).
    """
    limit_threads(threads)
    model = (
        colouriser
        if colouriser is not None
        else build_colouriser(plugin, params, resources_dir, allow_downloads, instance)
    )
    if subject_of_image is not None:
        check_disjoint_from_training(
            model, subject_of_image, index, instance, required=require_training_subjects
        )
    final = Path(out_dir).resolve()
    results: dict[str, dict[str, str]] = {}
    pending: list[tuple[str, np.ndarray]] = []
    progress = ProgressLog(logging.getLogger("colourfr.colourise"), len(index))

    # The PNGs go to a temporary folder that becomes out_dir only once all are written.
    with atomic_directory(final) as building:

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
                write_png(output_path(building, image_id), rgb, durable=False)
                results[image_id] = {
                    "path": str(output_path(final, image_id)),
                    "status": STATUS_OK,
                    "detail": "",
                }
            progress.advance(len(pending))
            pending.clear()

        for row, grey, status, detail in iter_readable(index, reader=read_variant_grey):
            if grey is None:
                results[row["image_id"]] = {"path": "", "status": status, "detail": detail}
                progress.advance()
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
        "allow_downloads": bool(allow_downloads),
        "batch_size": batch_size,
        "python": platform.python_version(),
        "colouriser": model.provenance(),
    }
    return table, provenance
