"""Workflow plans of the built-in quality estimators with a model file (FaceQnet,
LightQNet): the file is a job input, ``params.model_path`` or the copy that a download
artifact (one per file, shared by every instance) puts in the cache. Light at import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from colourfr.assets import Asset
from colourfr.errors import ConfigError
from colourfr.plugin_plan import (
    BUILD,
    DOWNLOAD,
    Artifact,
    PlanContext,
    WorkflowPlan,
    model_file_plan_of,
)
from colourfr.registry import registry_for


def model_asset(plugin: str, params: Mapping[str, Any]) -> Asset:
    """The catalogue entry of an estimator's model file."""
    from colourfr.quality.assets import FACEQNET_V0, FACEQNET_V1, LIGHTQNET

    if plugin == "faceqnet-v0":
        return FACEQNET_V0
    if plugin == "faceqnet-v1":
        return FACEQNET_V1
    if plugin == "lightqnet":
        return LIGHTQNET[params.get("variant", "dm100")]
    raise ConfigError(f"quality plugin {plugin!r}: no model file in colourfr.quality.assets")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower())


def model_file_plan(context: PlanContext) -> WorkflowPlan:
    params = context.params
    spec = registry_for(context.family).get(context.plugin)
    return model_file_plan_of(
        context,
        "model_path",
        spec.cache_subdir or context.plugin,
        lambda: model_asset(context.plugin, params),
        lambda path, asset: Artifact(
            name=f"fetch_{_slug(asset.name)}",
            kind=DOWNLOAD,
            function="colourfr.quality.plans:fetch_model_file",
            outputs={"model": path},
            params={
                "plugin": context.plugin,
                "variant": params.get("variant"),
                "weights_sha256": params.get("weights_sha256"),
            },
            summary=f"{asset.target_name} ({asset.licence or 'see docs/models.md'})",
        ),
    )


def fetch_model_file(
    outputs: Mapping[str, str], params: Mapping[str, Any], allow_download: bool
) -> None:
    from colourfr.assets import pinned_asset, resolve_asset

    asset = pinned_asset(
        model_asset(params["plugin"], {"variant": params.get("variant") or "dm100"}),
        params.get("weights_sha256"),
    )
    from colourfr.errors import AssetError

    try:
        resolve_asset(asset, None, Path(outputs["model"]).parent, allow_download)
    except AssetError as exc:
        raise AssetError(
            f"{exc} (config: set params.model_path of every {params['plugin']} instance to "
            "your copy, or allow_downloads: true)"
        ) from exc


def lightqnet_plan(context: PlanContext) -> WorkflowPlan:
    """The frozen graph as for the other model files (configured, or downloaded), then
    converted to ONNX once by a build artifact (``import_<graph>``); the jobs read the
    ONNX model. A configured ``.onnx`` is used as it is."""
    configured = context.params.get("model_path")
    if configured and str(configured).lower().endswith(".onnx"):
        params = dict(context.params, cache_dir=None, allow_download=False)
        return WorkflowPlan(context.plugin, params, {"model_path": str(configured)})
    graph = model_file_plan(context)
    pb = str(graph.params["model_path"])
    stem = Path(pb).stem
    onnx_path = os.path.join(context.resources_dir, "models", "lightqnet", f"{stem}.onnx")
    convert = Artifact(
        name=f"import_{_slug(stem)}",
        kind=BUILD,
        function="colourfr.quality.plans:import_lightqnet_artifact",
        inputs={"graph": pb},
        outputs={"onnx": onnx_path},
        summary=f"{Path(pb).name} -> ONNX (colourfr models import-lightqnet)",
        runtime_min=10,
    )
    params = dict(graph.params, model_path=onnx_path)
    return WorkflowPlan(
        context.plugin,
        params,
        {"model_path": onnx_path},
        (*graph.artifacts, convert),
        graph.allow_download,
    )


def import_lightqnet_artifact(
    inputs: Mapping[str, str],
    outputs: Mapping[str, str],
    params: Mapping[str, Any],
    threads: int,
    gpu: bool,
) -> None:
    from colourfr.quality.lightqnet_import import import_lightqnet

    import_lightqnet(inputs["graph"], outputs["onnx"])
