"""Welsh et al. (2002) exemplar colour transfer (colourfr.colourisers.exemplar)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import color

from colourfr.colourisers import exemplar as ex
from colourfr.errors import ConfigError
from colourfr.images import rec709_luma

LFW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lfw"


def test_jittered_grid_takes_one_pixel_inside_each_cell() -> None:
    rows, cols = ex.jittered_grid(10, 20, n_samples=4, rng=np.random.default_rng(1))
    assert len(rows) == 4  # 2 x 2 grid
    cells = {(int(r // 5), int(c // 10)) for r, c in zip(rows, cols)}
    assert cells == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_local_std_hand_worked_checkerboard_and_constant() -> None:
    board = (np.indices((7, 7)).sum(axis=0) % 2).astype(float)
    # A 3x3 window in a checkerboard holds 5 of one value and 4 of the other:
    # std = sqrt(p (1 - p)) with p = 5/9.
    assert ex.local_std(board, 3)[3, 3] == pytest.approx(np.sqrt(20 / 81))
    assert np.allclose(ex.local_std(np.full((6, 6), 42.0), 5), 0.0)


def _two_region_exemplar() -> np.ndarray:
    """Left: dark saturated red; right: light blue."""
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, :20] = (120, 10, 10)
    image[:, 20:] = (150, 190, 255)
    return image


def _save(tmp_path: Path, rgb: np.ndarray, name: str = "exemplar.png") -> str:
    path = tmp_path / name
    Image.fromarray(rgb).save(path)
    return str(path)


def test_dark_target_pixels_get_the_dark_exemplar_chroma(tmp_path: Path) -> None:
    exemplar = _two_region_exemplar()
    colouriser = ex.ExemplarTransferColouriser(exemplar=_save(tmp_path, exemplar), n_samples=64)
    # Target: top half dark, bottom half light -- different levels than the exemplar,
    # which luminance remapping must absorb.
    target = np.full((30, 30), 200, np.uint8)
    target[:15] = 40
    (out,) = colouriser.colourise([target])
    assert out.shape == (30, 30, 3) and out.dtype == np.uint8
    hue = color.rgb2lab(out)[:, :, 1:]
    red_ab = color.rgb2lab(exemplar[:1, :1])[0, 0, 1:]
    blue_ab = color.rgb2lab(exemplar[:1, -1:])[0, 0, 1:]

    # Away from the boundary (window effects), each half carries its region's chroma;
    # gamut clipping at the target's lightness may shrink it, so compare hue angles.
    def hue_angle(ab: np.ndarray) -> np.ndarray:
        return np.degrees(np.arctan2(ab[..., 1], ab[..., 0]))

    assert np.allclose(hue_angle(hue[2:12]), hue_angle(red_ab), atol=8)
    assert np.allclose(hue_angle(hue[18:]), hue_angle(blue_ab), atol=8)
    assert abs(hue_angle(red_ab) - hue_angle(blue_ab)) > 90


def test_output_keeps_target_lightness(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    exemplar = (rng.random((32, 32, 3)) * 80 + 90).astype(np.uint8)  # muted, in gamut
    colouriser = ex.ExemplarTransferColouriser(exemplar=_save(tmp_path, exemplar))
    target = (rng.random((24, 24)) * 100 + 80).astype(np.uint8)
    (out,) = colouriser.colourise([target])
    target_l = color.rgb2lab(np.repeat(target[:, :, None], 3, 2))[:, :, 0]
    assert np.abs(color.rgb2lab(out)[:, :, 0] - target_l).max() < 1.0  # 8-bit rounding only


def test_colour_input_is_converted_to_luma_first(tmp_path: Path) -> None:
    colouriser = ex.ExemplarTransferColouriser(exemplar=_save(tmp_path, _two_region_exemplar()))
    colour_input = np.random.default_rng(3).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    from_colour, from_luma = colouriser.colourise([colour_input, rec709_luma(colour_input)])
    np.testing.assert_array_equal(from_colour, from_luma)
    with pytest.raises(ex.ColouriserInputError, match="image 0"):
        colouriser.colourise([np.zeros((4, 4), np.float32)])


def test_greyscale_or_missing_exemplar_is_a_config_error(tmp_path: Path) -> None:
    grey = np.repeat(np.arange(0, 250, 10, dtype=np.uint8)[None, :, None], 3, axis=2).repeat(5, 0)
    with pytest.raises(ConfigError, match="greyscale"):
        ex.ExemplarTransferColouriser(exemplar=_save(tmp_path, grey, "grey.png"))
    with pytest.raises(ConfigError, match="params.exemplar"):
        ex.ExemplarTransferColouriser()
    with pytest.raises(ConfigError, match="luminance_weight"):
        ex.ExemplarTransferColouriser(
            exemplar=_save(tmp_path, _two_region_exemplar()), luminance_weight=2
        )


@pytest.mark.skipif(
    not (LFW / "peopleDevTrain.txt").is_file(), reason="../shared LFW not available"
)
def test_default_exemplar_is_a_deterministic_training_split_face() -> None:
    first = ex.default_exemplar_path(LFW, seed=0)
    assert first == ex.default_exemplar_path(LFW, seed=0)
    train_people = {
        line.split()[0] for line in (LFW / "peopleDevTrain.txt").read_text().splitlines()[1:]
    }
    assert first.parent.name in train_people
    colouriser = ex.ExemplarTransferColouriser(lfw_root=str(LFW))
    assert colouriser.provenance()["exemplar"] == str(first)
