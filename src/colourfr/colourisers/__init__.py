"""Colourisers: registry keyed by the names used in config (``colourisers.<name>.plugin``)."""

from colourfr.registry import Registry

REGISTRY = Registry("colouriser")

# Plugins register themselves below with plain PluginSpec data (no heavy imports here).

# --- DeOldify (colourfr.colourisers.deoldify; plain-PyTorch re-implementation) ---
from colourfr.registry import PluginSpec as _PluginSpec

_DEOLDIFY_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "weights": {
            "type": ["string", "null"],
            "default": None,
            "description": "local checkpoint (else cache_dir, downloaded if allowed)",
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
        "cache_dir": {"type": "string", "default": "resources/models/deoldify"},
        "allow_download": {"type": "boolean", "default": True},
    },
}

for _variant, _summary in (
    ("stable", "DeOldify stable (resnet101 wide U-Net, nf_factor 2), jantic image path"),
    ("artistic", "DeOldify artistic (resnet34 deep U-Net, nf_factor 1.5), jantic image path"),
    ("video", "DeOldify video weights (stable architecture), jantic per-frame path"),
    ("dana", "DeOldify 2018 (dana-kelley Unet34, nf_factor 2), original fastai 0.7 path"),
):
    REGISTRY.register(
        _PluginSpec(
            name=f"deoldify-{_variant}",
            factory=f"colourfr.colourisers.deoldify.plugin:{_variant}",
            summary=_summary,
            params_schema=_DEOLDIFY_PARAMS,
            path_params=("weights",),
            uses_gpu=True,
        )
    )
