"""Workflow plans of the built-in colourisers (see colourfr.plugin_plan).

Light at import: the Snakefile imports this at parse time; torch and the training code are
imported only inside the artifact functions, in their own jobs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from colourfr.errors import ConfigError
from colourfr.plugin_plan import (
    BUILD,
    DOWNLOAD,
    Artifact,
    PlanContext,
    WorkflowPlan,
    model_file_plan_of,
)

#: The LFW file naming the people the self-trained colouriser and the default exemplar
#: are drawn from (View 1 training split); evaluation must exclude them.
TRAIN_SPLIT_FILE = "peopleDevTrain.txt"
TRAINED_MODEL_FILES = {
    "checkpoint": "generator.pth",
    "config": "training.json",
    "subjects": "training_subjects.txt",
}


def rule_slug(text: str) -> str:
    """``trained-unet`` -> ``trained_unet`` (artifact and rule names)."""
    slug = "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")
    return slug if slug[:1].isalpha() else f"x_{slug}"


def training_data(config: Mapping[str, Any]) -> tuple[str | None, str]:
    """The config's ``training_data``: (root, people file name)."""
    settings = config.get("training_data", {})
    root = settings.get("root")
    return (str(root) if root else None), str(settings.get("people", TRAIN_SPLIT_FILE))


# ---- DeOldify ------------------------------------------------------------------------


def _deoldify_asset(plugin: str) -> Any:
    from colourfr.colourisers.assets import ASSETS

    for asset in ASSETS:
        if asset.name == plugin:
            return asset
    raise ConfigError(f"{plugin}: no weights file in colourfr.colourisers.assets")


def deoldify_plan(context: PlanContext) -> WorkflowPlan:
    """The weights file is a job input: ``params.weights``, else the cached copy that the
    download artifact (one per weights file, shared by every instance) fetches."""
    params = context.params
    return model_file_plan_of(
        context,
        "weights",
        "deoldify",
        lambda: _deoldify_asset(context.plugin),
        lambda path, asset: Artifact(
            name=f"fetch_{rule_slug(context.plugin)}",
            kind=DOWNLOAD,
            function="colourfr.colourisers.plans:fetch_deoldify_weights",
            outputs={"weights": path},
            params={"plugin": context.plugin, "weights_sha256": params.get("weights_sha256")},
            summary=f"{asset.target_name} ({asset.size or '?'} bytes, size-checked)",
        ),
    )


def fetch_deoldify_weights(
    outputs: Mapping[str, str], params: Mapping[str, Any], allow_download: bool
) -> None:
    from colourfr.assets import pinned_asset, resolve_asset
    from colourfr.errors import AssetError

    asset = pinned_asset(_deoldify_asset(params["plugin"]), params.get("weights_sha256"))
    target = Path(outputs["weights"])
    try:
        resolve_asset(asset, None, target.parent, allow_download)
    except AssetError as exc:
        raise AssetError(
            f"{exc} (config: set params.weights of every {params['plugin']} instance to "
            f"your copy, or allow_downloads: true; or `colourfr fetch {params['plugin']} "
            f"--dest {target.parent}`)"
        ) from exc


# ---- self-trained U-Net --------------------------------------------------------------


def trained_unet_plan(context: PlanContext) -> WorkflowPlan:
    """A configured ``model_dir`` is used as it is; otherwise the workflow trains one into
    ``<results_dir>/models/<instance>/`` (a build artifact in the training environment)."""
    params = dict(context.params)
    artifacts: tuple[Artifact, ...] = ()
    if params.get("model_dir"):
        model_dir = Path(str(params["model_dir"]))
        files = {
            key: str(model_dir / name)
            for key, name in TRAINED_MODEL_FILES.items()
            if (model_dir / name).is_file()
        }
    else:
        root, people = training_data(context.config)
        lfw_root = params.get("lfw_root") or root
        if lfw_root is None:
            raise ConfigError(
                f"{context.where('params.lfw_root')}: not set, and training_data.root is "
                "null: name the colour faces to train on"
            )
        model_dir = Path(context.results_dir, "models", context.instance)
        files = {key: str(model_dir / name) for key, name in TRAINED_MODEL_FILES.items()}
        settings = context.settings
        artifacts = (
            Artifact(
                name=f"train_{rule_slug(context.instance)}",
                kind=BUILD,
                function="colourfr.colourisers.plans:train_unet",
                inputs={"split": os.path.join(str(lfw_root), people)},
                outputs=files,
                params={
                    "lfw_root": str(lfw_root),
                    "profile": params.get("profile", "cpu"),
                    "training": {"split_file": people, **dict(params.get("training") or {})},
                },
                summary=f"trains {context.where()} on the people of {people}",
                conda_env="train",
                threads=int(settings.get("threads") or 1),
                mem_mb=max(int(settings.get("mem_mb", 0)), 6000),
                runtime_min=720,  # the cpu preset on 2 cores; a GPU needs far less
                gpu=context.gpu,
            ),
        )
    params["model_dir"] = str(model_dir.resolve())
    inputs = {f"model_{key}": path for key, path in files.items() if key != "subjects"}
    return WorkflowPlan(context.plugin, params, inputs, artifacts)


def train_unet(
    inputs: Mapping[str, str],
    outputs: Mapping[str, str],
    params: Mapping[str, Any],
    threads: int,
    gpu: bool,
) -> None:
    import logging

    from colourfr.colourisers.training.recipe import make_config, train_and_save

    overrides = dict(params.get("training") or {})
    overrides.setdefault("threads", threads)
    if not gpu:
        overrides.setdefault("device", "cpu")  # no gpu=1 resource was requested for this job
    profile = params.get("profile", "cpu")
    record = train_and_save(
        params["lfw_root"],
        Path(outputs["checkpoint"]).parent,
        make_config(profile, overrides),
        profile=profile,
    )
    history = record["history"]
    logging.getLogger(__name__).info(
        "trained on %d images of %d people in %.0f s; valid loss %.4f -> %.4f; data sha256 %s",
        record["data"]["n_images"],
        record["data"]["n_people"],
        record["wall_time_s"],
        history["valid_loss_initial"],
        history["valid_loss_final"],
        record["data"]["data_sha256"],
    )


# ---- exemplar transfer ---------------------------------------------------------------


def exemplar_plan(context: PlanContext) -> WorkflowPlan:
    """The exemplar image is a job input; without one, the default pick among the LFW
    training people needs the config's LFW root."""
    params = dict(context.params)
    inputs: dict[str, str] = {}
    if int(params.get("window", 5)) % 2 == 0:
        raise ConfigError(
            f"{context.where('params.window')}: {params['window']} is even; the luminance "
            "deviation needs an odd neighbourhood (3, 5, 7, ...) centred on the pixel"
        )
    if params.get("exemplar"):
        inputs["exemplar"] = str(params["exemplar"])
    else:
        root, people = training_data(context.config)
        params["lfw_root"] = params.get("lfw_root") or root
        params["people_file"] = params.get("people_file") or people
        if params["lfw_root"] is None:
            raise ConfigError(
                f"{context.where('params')}: set exemplar (a colour image) or lfw_root; "
                "training_data.root is null, so there is no default exemplar to pick from"
            )
        # The pick reads the people file: an edit of it reruns the colourisation.
        inputs["training_people"] = os.path.join(str(params["lfw_root"]), params["people_file"])
    return WorkflowPlan(context.plugin, params, inputs)
