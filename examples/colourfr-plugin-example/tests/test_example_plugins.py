"""Unit tests of the example plugins (run from the colourfr repository root with
`pytest examples/colourfr-plugin-example/tests` once the package is importable)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from colourfr_plugin_example.colouriser import MeanChromaColouriser, centre_crop, read_people
from colourfr_plugin_example.quality import LaplacianSharpness
from colourfr_plugin_example.specs import LAPLACIAN_SHARPNESS, MEAN_CHROMA
from skimage.color import rgb2lab

from colourfr.recognition.base import FaceRecord
from colourfr.registry import spec_problems


def test_specs_are_valid() -> None:
    assert spec_problems(MEAN_CHROMA, "mean-chroma") == []
    assert spec_problems(LAPLACIAN_SHARPNESS, "laplacian-sharpness") == []


def test_colouriser_keeps_lightness_and_applies_the_palette(tmp_path: Path) -> None:
    palette = tmp_path / "palette.json"
    palette.write_text(json.dumps({"a_star": 12.0, "b_star": 16.0, "subjects": ["A"]}))
    colouriser = MeanChromaColouriser(str(palette))
    grey = np.tile(np.arange(60, 200, dtype=np.uint8), (4, 1))
    rgb = colouriser.colourise([grey])[0]
    assert rgb.shape == (*grey.shape, 3) and rgb.dtype == np.uint8
    lab_in = rgb2lab(np.repeat(grey[..., None], 3, axis=2))
    lab_out = rgb2lab(rgb)
    assert np.abs(lab_out[..., 0] - lab_in[..., 0]).max() < 1.0  # 8-bit rounding only
    assert abs(lab_out[..., 1].mean() - 12.0) < 1.0 and abs(lab_out[..., 2].mean() - 16.0) < 1.0
    assert colouriser.training_subjects() == {"A"}


def test_sharpness_orders_sharp_above_blurred() -> None:
    rng = np.random.default_rng(0)
    sharp = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    blurred = np.full_like(sharp, 128)
    face = FaceRecord("x", bbox=(0.0, 0.0, 64.0, 64.0))
    scores, reasons = LaplacianSharpness().score(
        [sharp, blurred, sharp], [face, face, FaceRecord("y")]
    )
    assert scores[0] > 0.9 and scores[1] == 0.0 and np.isnan(scores[2])
    assert reasons == [None, None, "no_bbox"]


def test_helpers(tmp_path: Path) -> None:
    people = tmp_path / "people.txt"
    people.write_text("2\nA_B\t3\nC_D\t2\n")
    assert read_people(people) == ["A_B", "C_D"]
    assert centre_crop(np.zeros((100, 50, 3))).shape == (30, 15, 3)
    with pytest.raises(Exception, match="not a fitted palette"):
        bad = tmp_path / "bad.json"
        bad.write_text("{}")
        MeanChromaColouriser(str(bad))
