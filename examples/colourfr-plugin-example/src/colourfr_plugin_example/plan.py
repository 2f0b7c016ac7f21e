"""How the workflow runs ``mean-chroma``: the palette file is a job input; without one,
a build artifact fits it on the training people (one per instance)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from colourfr.errors import ConfigError
from colourfr.plugin_plan import BUILD, Artifact, PlanContext, WorkflowPlan


def _training_data(config: Mapping[str, Any]) -> tuple[str | None, str]:
    """colourfr's training_data: colour faces a colouriser may learn from."""
    settings = config.get("training_data", {})
    return settings.get("root"), settings.get("people", "peopleDevTrain.txt")


def mean_chroma_plan(context: PlanContext) -> WorkflowPlan:
    params = dict(context.params)
    if params.get("palette"):
        return WorkflowPlan(context.plugin, params, {"palette": str(params["palette"])})
    root, people = _training_data(context.config)
    training_list = params.get("training_list") or (os.path.join(root, people) if root else None)
    images_dir = params.get("images_dir") or (
        os.path.join(root, "images_deepfunneled") if root else None
    )
    if not (training_list and images_dir):
        raise ConfigError(
            f"{context.where('params')}: set training_list and images_dir (training_data.root "
            "is null)"
        )
    slug = "".join(c if c.isalnum() else "_" for c in context.instance.lower())
    palette = os.path.join(context.results_dir, "models", context.instance, "palette.json")
    params["palette"] = palette
    artifact = Artifact(
        name=f"fit_{slug}",
        kind=BUILD,
        function="colourfr_plugin_example.colouriser:fit_palette_artifact",
        inputs={"training_list": str(training_list)},
        outputs={"palette": palette},
        params={"images_dir": str(images_dir), "max_images": int(params.get("max_images", 200))},
        summary="mean skin chroma of the training people",
        conda_env="colourfr_plugin_example:environment.yaml",
        mem_mb=2000,
        runtime_min=15,
    )
    return WorkflowPlan(context.plugin, params, {"palette": palette}, (artifact,))
