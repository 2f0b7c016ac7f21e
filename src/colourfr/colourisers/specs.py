"""Specs of the built-in colourisers (entry points ``colourfr.colourisers`` in pyproject.toml).

Plain data: nothing heavy is imported here. The factories and the plans
(:mod:`colourfr.colourisers.plans`) are named by ``"module:attribute"``.
"""

from __future__ import annotations

from colourfr.registry import PluginSpec, params_schema_of

DEOLDIFY_PARAMS = params_schema_of(
    {
        "weights": {
            "type": ["string", "null"],
            "default": None,
            "description": "local checkpoint (else cache_dir, downloaded if allowed)",
        },
        "weights_sha256": {
            "type": ["string", "null"],
            "pattern": "^[0-9a-fA-F]{64}$",
            "default": None,
            "description": "pin: the sha256 the weights file must have (the DeOldify "
            "authors publish none, so by default only the exact size is checked)",
        },
        "render_factor": {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
            "default": 35,
            "description": "network input is a (16*render_factor)^2 square, as DeOldify",
        },
        "device": {"enum": ["auto", "cpu", "cuda"], "default": "auto"},
        "fp16": {"type": "boolean", "default": False, "description": "CUDA autocast fp16"},
        "net_batch_size": {"type": "integer", "minimum": 1, "default": 4},
        "cache_dir": {
            "type": ["string", "null"],
            "default": None,
            "description": "where downloaded weights are kept; null: "
            "<resources_dir>/models/deoldify",
        },
        "allow_download": {
            "type": "boolean",
            "default": True,
            "description": "false: never download for this instance; true: download a "
            "missing file only if the global allow_downloads is true as well",
        },
    }
)

#: The fields of ``colourfr.colourisers.training.recipe.TrainingConfig`` (listed here so that
#: validating a config does not import torch; a test keeps the two equal).
TRAINING_OVERRIDE_KEYS = (
    "kind", "body", "nf_factor", "self_attention", "blur", "render_factor", "split_file",
    "max_images", "valid_fraction", "flip", "batch_size", "pretrain_epochs", "pretrain_lr",
    "weight_decay", "chroma_weight", "critic_nf", "critic_blocks", "critic_images",
    "critic_epochs", "critic_lr", "gan_fraction", "gan_lr", "adversarial_weight",
    "critic_thresh", "seed", "device", "threads",
)  # fmt: skip


def _deoldify(variant: str, summary: str) -> PluginSpec:
    return PluginSpec(
        name=f"deoldify-{variant}",
        factory=f"colourfr.colourisers.deoldify.plugin:{variant}",
        summary=summary,
        params_schema=DEOLDIFY_PARAMS,
        path_params=("weights",),
        # bench/memory: chroma upsampled to full size in row blocks, YUV merge (26 B/px)
        bytes_per_pixel=30.0,
        uses_gpu=True,
        threads=2,  # torch's convolutions use the job's cores
        conda_env="colourisers",
        plan="colourfr.colourisers.plans:deoldify_plan",
        cache_subdir="deoldify",
    )


DEOLDIFY_STABLE = _deoldify(
    "stable", "DeOldify stable (resnet101 wide U-Net, nf_factor 2), jantic image path"
)
DEOLDIFY_ARTISTIC = _deoldify(
    "artistic", "DeOldify artistic (resnet34 deep U-Net, nf_factor 1.5), jantic image path"
)
DEOLDIFY_VIDEO = _deoldify(
    "video", "DeOldify video weights (stable architecture), jantic per-frame path"
)
DEOLDIFY_DANA = _deoldify(
    "dana", "DeOldify 2018 (dana-kelley Unet34, nf_factor 2), original fastai 0.7 path"
)

TRAINED_UNET_PARAMS = params_schema_of(
    {
        "model_dir": {
            "type": ["string", "null"],
            "default": None,
            "description": "a trained model folder (generator.pth + training.json) to use "
            "instead of training; null: its artifact rule train_<instance> trains one into "
            "<results_dir>/models/<instance>/ and the workflow passes that folder",
        },
        "lfw_root": {
            "type": ["string", "null"],
            "default": None,
            "description": "LFW folder with peopleDevTrain.txt for training; null: the root "
            "of the config's LFW dataset",
        },
        "profile": {
            "enum": ["cpu", "gpu", "test"],
            "default": "cpu",
            "description": "training preset: cpu (<= 20 min on 2 cores), gpu (bigger net, "
            "192 px, all DevTrain images), test (tiny)",
        },
        "training": {
            "type": "object",
            "default": {},
            # A typo is a config error at start, not a failure inside the training job.
            "propertyNames": {"enum": list(TRAINING_OVERRIDE_KEYS)},
            "description": "overrides of the preset's TrainingConfig fields "
            "(colourfr.colourisers.training.recipe)",
        },
        "render_factor": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": 100,
            "default": None,
            "description": "inference square is 16*render_factor; null: the training one",
        },
        "device": {"enum": ["auto", "cpu", "cuda"], "default": "auto"},
        "fp16": {"type": "boolean", "default": False, "description": "CUDA autocast fp16"},
        "net_batch_size": {"type": "integer", "minimum": 1, "default": 16},
    }
)

TRAINED_UNET = PluginSpec(
    name="trained-unet",
    factory="colourfr.colourisers.trained:trained_unet",
    summary="DeOldify-style U-Net trained by the workflow on LFW DevTrain people "
    "(NoGAN-like, fastai), DeOldify's jantic inference path",
    params_schema=TRAINED_UNET_PARAMS,
    path_params=("model_dir", "lfw_root"),
    # bench/memory: chroma upsampled to full size in row blocks, YUV merge (26 B/px)
    bytes_per_pixel=30.0,
    uses_gpu=True,
    threads=2,  # torch's convolutions use the job's cores (training and colourisation)
    conda_env="colourisers",
    plan="colourfr.colourisers.plans:trained_unet_plan",
    plan_only_params=("lfw_root", "profile", "training"),
    trained_on_subjects=True,
)

EXEMPLAR_PARAMS = params_schema_of(
    {
        "exemplar": {
            "type": ["string", "null"],
            "default": None,
            "description": "colour exemplar image; null: a deterministic pick among the LFW "
            "DevTrain (training-split) images under lfw_root",
        },
        "lfw_root": {
            "type": ["string", "null"],
            "default": None,
            "description": "LFW folder for the default exemplar; null: the root of the "
            "config's LFW dataset",
        },
        "people_file": {
            "type": ["string", "null"],
            "default": None,
            "description": "people file below lfw_root to pick the default exemplar from; "
            "null: training_data.people",
        },
        "exemplar_seed": {"type": "integer", "default": 0},
        "n_samples": {
            "type": "integer",
            "minimum": 1,
            "default": 200,
            "description": "jittered-grid samples taken from the exemplar",
        },
        "window": {
            "type": "integer",
            "minimum": 1,
            "default": 5,
            "description": "odd neighbourhood size for the luminance deviation",
        },
        "luminance_weight": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "default": 0.5,
            "description": "weight of luminance vs neighbourhood deviation",
        },
        "seed": {"type": "integer", "default": 0, "description": "jitter seed"},
    }
)

EXEMPLAR_TRANSFER = PluginSpec(
    name="exemplar-transfer",
    factory="colourfr.colourisers.exemplar:ExemplarTransferColouriser",
    summary="Welsh, Ashikhmin & Mueller 2002 luminance-matched chroma transfer from "
    "one exemplar face (CIELAB); no weights",
    params_schema=EXEMPLAR_PARAMS,
    path_params=("exemplar", "lfw_root"),
    # bench/memory: L*, its local deviation, matching in row blocks (33-41 B/px measured)
    bytes_per_pixel=45.0,
    uses_gpu=False,
    conda_env="colourisers",
    plan="colourfr.colourisers.plans:exemplar_plan",
)
