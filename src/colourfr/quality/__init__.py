"""Quality estimators: registry keyed by the names used in config."""

from colourfr.registry import PluginSpec, Registry

REGISTRY = Registry("quality estimator")

# Registration is plain data: the factories (TensorFlow/Keras, OpenCV DNN) are imported
# only when an instance is built.
_FACEQNET_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
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
    },
}

for _version in ("v0", "v1"):
    REGISTRY.register(
        PluginSpec(
            name=f"faceqnet-{_version}",
            factory=f"colourfr.quality.faceqnet:faceqnet_{_version}",
            summary=f"FaceQnet {_version} (Keras .h5, detector-box crop, BGR 224x224, 0-255)",
            params_schema=_FACEQNET_PARAMS,
            path_params=("model_path",),
            uses_gpu=True,
        )
    )

REGISTRY.register(
    PluginSpec(
        name="lightqnet",
        factory="colourfr.quality.lightqnet:LightQNet",
        summary="LightQNet (MIT, OpenCV DNN): 5-landmark aligned 96x96, (x-128)/128",
        params_schema={
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "variant": {"enum": ["dm100", "dm050", "dm025"], "default": "dm100"},
                "model_path": {"type": ["string", "null"], "default": None},
                "channel_order": {
                    "enum": ["rgb", "bgr"],
                    "default": "rgb",
                    "description": "rgb as in training; bgr as the authors' demo",
                },
            },
        },
        path_params=("model_path",),
        uses_gpu=False,
    )
)

REGISTRY.register(
    PluginSpec(
        name="iso29794-5",
        factory="colourfr.quality.iso29794_5:ISO29794_5",
        summary="ISO/IEC 29794-5 natural colour, luminance, dynamic range, exposure",
        params_schema={
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "headline": {
                    "enum": [
                        "natural_colour",
                        "luminance_mean",
                        "luminance_variance",
                        "dynamic_range",
                        "under_exposure",
                        "over_exposure",
                    ],
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
            },
        },
        uses_gpu=False,
    )
)
