"""Registry entries of the quality estimators: names, parameter schemas with defaults,
factories that build objects satisfying the QualityEstimator interface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from colourfr.config import validate_against
from colourfr.quality import REGISTRY
from colourfr.quality.base import QualityEstimator
from colourfr.registry import build

LIGHTQNET = (
    Path(__file__).resolve().parents[2] / "shared" / "models" / "lightqnet" / "lightqnet-dm100.pb"
)


def test_names_and_gpu_flags():
    # The built-ins (a plugin package installed beside colourfr adds its own).
    builtin = [n for n in REGISTRY.names() if REGISTRY.distribution_of(n) == "colourfr"]
    assert builtin == ["faceqnet-v0", "faceqnet-v1", "iso29794-5", "lightqnet"]
    assert REGISTRY.get("faceqnet-v1").uses_gpu and not REGISTRY.get("lightqnet").uses_gpu
    assert REGISTRY.get("faceqnet-v0").path_params == ("model_path",)


def test_registration_does_not_import_tensorflow_or_opencv_dnn_models():
    code = (
        "import sys, colourfr.quality; "
        "from colourfr.config import validate_against; "
        "print(any(m in sys.modules for m in ('tensorflow', 'keras', 'colourfr.quality.faceqnet')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("name", "defaults"),
    [
        (
            "faceqnet-v0",
            {
                "model_path": None,
                "predict_batch_size": 32,
                "cache_dir": None,
                "allow_download": True,
            },
        ),
        (
            "lightqnet",
            {
                "variant": "dm100",
                "model_path": None,
                "channel_order": "rgb",
                "cache_dir": None,
                "allow_download": True,
            },
        ),
        (
            "iso29794-5",
            {"headline": "natural_colour", "achromatic": "ofiq", "achromatic_tolerance": 0.01},
        ),
    ],
)
def test_schema_fills_defaults(name, defaults):
    params: dict = {}
    assert validate_against(REGISTRY.get(name).params_schema, params, "quality.x.params") == []
    assert params == defaults


def test_schema_rejects_bad_values():
    problems = validate_against(
        REGISTRY.get("lightqnet").params_schema, {"variant": "dm200"}, "quality.lq.params"
    )
    assert problems and problems[0].startswith("quality.lq.params.variant")
    problems = validate_against(
        REGISTRY.get("iso29794-5").params_schema, {"colour": 1}, "quality.iso.params"
    )
    assert problems and "colour" in problems[0]


def test_factories_build_quality_estimators(tmp_path):
    iso = build("quality", "iso29794-5", {}, resources_dir=str(tmp_path))
    assert isinstance(iso, QualityEstimator) and iso.name == "iso29794-5"
    if LIGHTQNET.is_file():
        lq = build(
            "quality", "lightqnet", {"model_path": str(LIGHTQNET)}, resources_dir=str(tmp_path)
        )
        assert isinstance(lq, QualityEstimator) and lq.name == "lightqnet"


def test_missing_weights_offline_is_one_clear_error(tmp_path):
    from colourfr.errors import AssetError

    with pytest.raises(AssetError, match=r"lightqnet-dm100: not found at .*downloads are disabled"):
        build("quality", "lightqnet", {}, resources_dir=str(tmp_path), allow_downloads=False)
    with pytest.raises(AssetError, match=r"faceqnet-v1: not found at .*FaceQnet_v1.h5"):
        build("quality", "faceqnet-v1", {}, resources_dir=str(tmp_path), allow_downloads=False)
