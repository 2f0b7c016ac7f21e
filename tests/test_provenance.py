"""Provenance: every model file of the run is listed with its digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from colourfr.assets import sha256_of
from colourfr.reporting import provenance


def _needs_face_recognition_models() -> None:
    # Its __init__ imports pkg_resources, so locate the package rather than import it.
    import importlib.util

    if importlib.util.find_spec("face_recognition_models") is None:
        pytest.skip("face-recognition-models is not installed")


def test_config_files_workflow_models_and_packaged_dlib_weights_are_listed(tmp_path: Path) -> None:
    _needs_face_recognition_models()
    detector = tmp_path / "det.onnx"
    detector.write_bytes(b"detector")
    trained = tmp_path / "models" / "trained-unet"
    trained.mkdir(parents=True)
    (trained / "generator.pth").write_bytes(b"weights")
    (trained / "notes.txt").write_text("not a model file")
    config = {
        "recognition": {
            "arcface": {"plugin": "insightface-arcface", "params": {"detector": str(detector)}},
            "dlib": {"plugin": "dlib-resnet", "params": {"detector": "hog"}},
            "off": {
                "plugin": "insightface-arcface",
                "enabled": False,
                "params": {"detector": str(tmp_path / "unused.onnx")},
            },
        }
    }
    files = provenance.model_files(config, [tmp_path / "models"])
    names = {p.name for p in files}
    assert {
        "det.onnx",
        "generator.pth",
        "shape_predictor_5_face_landmarks.dat",
        "dlib_face_recognition_resnet_model_v1.dat",
    } <= names
    assert "notes.txt" not in names and "mmod_human_face_detector.dat" not in names

    text = provenance.provenance_markdown(config, tmp_path, files)
    assert f"`{sha256_of(detector)}`" in text
    assert "not a git checkout" in text
    assert "## Configuration" in text


def test_dlib_files_named_in_the_config_replace_the_packaged_ones(tmp_path: Path) -> None:
    _needs_face_recognition_models()
    mine = tmp_path / "my_predictor.dat"
    mine.write_bytes(b"x")
    found = provenance.packaged_model_files(
        "dlib-resnet", {"detector": "mmod", "shape_predictor": str(mine)}
    )
    assert {p.name for p in found} == {
        "dlib_face_recognition_resnet_model_v1.dat",
        "mmod_human_face_detector.dat",
    }
    assert provenance.packaged_model_files("insightface-arcface", {}) == []


def test_provenance_names_the_colouriser_training_data(tmp_path) -> None:
    from colourfr.reporting.provenance import training_data_markdown

    (tmp_path / "people.txt").write_text("2\nAda_Lovelace\t3\nAlan_Turing\t2\n")
    lines = training_data_markdown(
        {"training_data": {"root": str(tmp_path), "people": "people.txt"}}
    )
    assert "## Colouriser training data" in lines
    assert any("people.txt` (2 people)" in line for line in lines)
    assert "is not set" in "\n".join(training_data_markdown({"training_data": {"root": None}}))
