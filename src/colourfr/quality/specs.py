"""Specs of the built-in quality estimators (entry points ``colourfr.quality``).

Plain data: the factories (TensorFlow/Keras, onnxruntime) are imported only when an
instance is built; plans in :mod:`colourfr.quality.plans`.
"""

from __future__ import annotations

from colourfr.registry import PluginSpec, params_schema_of

#: The ISO/IEC 29794-5 components colourfr measures (OFIQ definitions), in column order.
ISO29794_5_COMPONENTS: tuple[str, ...] = (
    "natural_colour",
    "luminance_mean",
    "luminance_variance",
    "dynamic_range",
    "under_exposure",
    "over_exposure",
)

#: Where a missing model file is downloaded to, and whether it may be (as for DeOldify).
_DOWNLOAD_PARAMS = {
    "cache_dir": {
        "type": ["string", "null"],
        "default": None,
        "description": "where a downloaded model file is kept; null: "
        "<resources_dir>/models/<estimator family>",
    },
    "allow_download": {
        "type": "boolean",
        "default": True,
        "description": "false: never download for this instance; true: download a missing "
        "file only if the global allow_downloads is true as well",
    },
}

FACEQNET_PARAMS = params_schema_of(
    {
        "model_path": {
            "type": ["string", "null"],
            "default": None,
            "description": "local .h5 (else resources/models/faceqnet, downloaded if allowed)",
        },
        "weights_sha256": {
            "type": ["string", "null"],
            "pattern": "^[0-9a-fA-F]{64}$",
            # No "default": an unset pin stays out of the filled params (factory default None).
            "description": "pin: the sha256 the .h5 must have; unset or null: no pin (the "
            "FaceQnet authors publish none, so only the model's shapes are checked)",
        },
        "predict_batch_size": {"type": "integer", "minimum": 1, "default": 32},
        **_DOWNLOAD_PARAMS,
    }
)


def _faceqnet(version: str) -> PluginSpec:
    return PluginSpec(
        name=f"faceqnet-{version}",
        factory=f"colourfr.quality.faceqnet:faceqnet_{version}",
        summary=f"FaceQnet {version} (Keras .h5, detector-box crop, BGR 224x224, 0-255)",
        params_schema=FACEQNET_PARAMS,
        path_params=("model_path",),
        uses_gpu=True,
        threads=2,  # TensorFlow's convolutions use the job's cores
        conda_env="quality-tf",
        plan="colourfr.quality.plans:model_file_plan",
        cache_subdir="faceqnet",
    )


FACEQNET_V0 = _faceqnet("v0")
FACEQNET_V1 = _faceqnet("v1")

LIGHTQNET = PluginSpec(
    name="lightqnet",
    factory="colourfr.quality.lightqnet:LightQNet",
    summary="LightQNet (MIT): 5-landmark aligned 96x96, (x-128)/128; frozen graph converted "
    "to ONNX, onnxruntime",
    params_schema=params_schema_of(
        {
            "variant": {"enum": ["dm100", "dm050", "dm025"], "default": "dm100"},
            "model_path": {"type": ["string", "null"], "default": None},
            **_DOWNLOAD_PARAMS,
            "channel_order": {
                "enum": ["rgb", "bgr"],
                "default": "rgb",
                "description": "rgb as in training; bgr as the authors' demo",
            },
        }
    ),
    path_params=("model_path",),
    uses_gpu=False,
    # bench/memory: decoding, the landmark warp from the full image (43 B/px measured)
    bytes_per_pixel=50.0,
    needs_five_landmarks=True,  # the 96x96 crop is aligned on them
    plan="colourfr.quality.plans:lightqnet_plan",
    cache_subdir="lightqnet",
)

ISO29794_5 = PluginSpec(
    name="iso29794-5",
    factory="colourfr.quality.iso29794_5:ISO29794_5",
    summary="ISO/IEC 29794-5 natural colour, luminance, dynamic range, exposure",
    params_schema=params_schema_of(
        {
            "headline": {
                "enum": list(ISO29794_5_COMPONENTS),
                "default": "natural_colour",
                "description": "component whose quality value is the `score` column",
            },
            "achromatic": {
                "enum": ["ofiq", "formula", "nan"],
                "default": "ofiq",
                "description": "greyscale faces: ofiq = quality 100 (OFIQ), formula = "
                "formula at a*=b*=0 (66), nan = not applicable",
            },
            "achromatic_tolerance": {"type": "number", "minimum": 0, "default": 0.01},
        }
    ),
    uses_gpu=False,
    needs_five_landmarks=True,  # the face region is placed by them
)
