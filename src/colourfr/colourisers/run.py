"""Run a colouriser over a shard's greyscale index: batching, PNG output, provenance.

Downloads: plugins whose params include ``cache_dir`` / ``allow_download`` (DeOldify)
get the workflow's global settings here, as the quality stage does
(:func:`colourfr.quality.run.estimator_from_config`): ``cache_dir`` null becomes
``<resources_dir>/models/<sub-folder>`` (``MODEL_CACHE_DIRS``), and a download happens
only if the global ``allow_downloads`` is true *and* the instance's ``allow_download``
is not false; the per-instance flag can forbid a download, never enable one.

Unreadable grey images (the variant's ``status`` already a failure, or a file that no
longer decodes: ``missing``, ``empty_file``, ``truncated``, ...) are recorded in the new
index with their reason; every other image is colourised.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.colourisers import MODEL_CACHE_DIRS, REGISTRY
from colourfr.colourisers.base import Colouriser
from colourfr.datasets.manifest import STATUS_OK
from colourfr.errors import AssetError, ConfigError
from colourfr.images import write_png
from colourfr.variants import INDEX_COLUMNS, iter_readable, output_path, read_variant_grey

#: The config's default ``resources_dir``.
DEFAULT_RESOURCES_DIR = "resources"


def factory_params(
    plugin: str,
    params: dict[str, Any],
    resources_dir: str | os.PathLike[str] = DEFAULT_RESOURCES_DIR,
    allow_downloads: bool = False,
) -> dict[str, Any]:
    """The validated instance ``params`` with the global download settings applied."""
    spec = REGISTRY.get(plugin)
    properties = spec.params_schema.get("properties", {})
    params = dict(params)
    if "cache_dir" in properties and not params.get("cache_dir"):
        subfolder = MODEL_CACHE_DIRS.get(plugin, plugin)
        params["cache_dir"] = os.path.join(os.fspath(resources_dir), "models", subfolder)
    if "allow_download" in properties:
        # The global switch wins: the instance flag may only turn a download off.
        params["allow_download"] = bool(allow_downloads) and bool(
            params.get("allow_download", True)
        )
    return params


def build_colouriser(
    plugin: str,
    params: dict[str, Any],
    resources_dir: str | os.PathLike[str] = DEFAULT_RESOURCES_DIR,
    allow_downloads: bool = False,
    instance: str | None = None,
) -> Colouriser:
    """Build a colouriser from a validated instance config (see the module docstring).

    ``instance`` (the config name) prefixes configuration and asset errors, so the
    message names the config entry to fix.
    """
    arguments = factory_params(plugin, params, resources_dir, allow_downloads)
    try:
        return REGISTRY.get(plugin).create(**arguments)
    except (AssetError, ConfigError) as exc:
        if instance is None:
            raise
        try:
            prefixed = type(exc)(f"colourisers.{instance}: {exc}")
        except TypeError:  # pragma: no cover - a subclass with another signature
            raise exc from None
        raise prefixed from exc


def check_disjoint_from_training(
    model: Colouriser,
    subject_of_image: dict[str, str],
    index: pd.DataFrame,
    instance: str | None = None,
) -> None:
    """Refuse to colourise evaluation images of people the colouriser was trained on.

    A colouriser that knows its training people (``training_subjects()``, the
    workflow-trained U-Net) would be evaluated on faces it has seen, which flatters it;
    the paper's colourisers never saw FERET or FRGC. Raised before any image is written.
    """
    known = getattr(model, "training_subjects", None)
    trained_on = known() if callable(known) else None
    if not trained_on:
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
    resources_dir: str | os.PathLike[str] = DEFAULT_RESOURCES_DIR,
    allow_downloads: bool = False,
    instance: str | None = None,
    subject_of_image: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Colourise every readable grey image; failures keep their status in the new index.

    ``resources_dir`` / ``allow_downloads``: the config's global keys (downloads are off
    unless asked for); ``instance``: the config name, for error messages;
    ``subject_of_image`` (image_id -> subject_id, from the manifest): checked against the
    colouriser's training people (:func:`check_disjoint_from_training`).
    """
    _limit_threads(threads)
    model = (
        colouriser
        if colouriser is not None
        else build_colouriser(plugin, params, resources_dir, allow_downloads, instance)
    )
    if subject_of_image is not None:
        check_disjoint_from_training(model, subject_of_image, index, instance)
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
        "allow_downloads": bool(allow_downloads),
        "batch_size": batch_size,
        "python": platform.python_version(),
        "colouriser": model.provenance(),
    }
    return table, provenance
