"""Fidelity-critical third-party behaviour, pinned by outputs recorded in the original
environment (Pillow 9.3, OpenCV 4.10; tools/record_fidelity_fixtures.py). Each case
recomputes the output with the project's code under the installed libraries and compares
sha256 digests, so a library upgrade that changes a single pixel fails here first.
See docs/fidelity-audit.md."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from colourfr.colourisers.deoldify import pipeline
from colourfr.images import rec709_luma
from colourfr.quality import faceqnet, lightqnet
from colourfr.resampling import opencv4_warp_affine, pillow12_bilinear_resize

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "record_fidelity_fixtures", REPO / "tools" / "record_fidelity_fixtures.py"
)
assert _spec is not None and _spec.loader is not None
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)
RECORDED = json.loads(recorder.FIXTURE.read_text())
CASES = RECORDED["cases"]
sha256 = recorder.sha256


def test_the_fixtures_were_recorded_with_the_original_libraries() -> None:
    assert RECORDED["recorded_with"]["pillow"] == "9.3.0"
    assert RECORDED["recorded_with"]["opencv"].startswith("4.")


@pytest.mark.parametrize("index", range(len(recorder.JANTIC_CASES)))
def test_deoldify_jantic_path_equals_the_original(index: int) -> None:
    (height, width), render_factor = recorder.JANTIC_CASES[index]
    expected = CASES[f"jantic/{height}x{width}/rf{render_factor}"]
    image = recorder.synthetic_image(height, width, index)
    size = 16 * render_factor
    grey = np.repeat(
        pipeline.pillow_luma(pillow12_bilinear_resize(image, size, size))[:, :, None], 3, axis=2
    )
    assert sha256(grey) == expected["grey_square"]
    output = recorder.fake_network(pipeline.jantic_net_input(image, render_factor))
    unsquared = pipeline.jantic_unsquare(pipeline.jantic_model_rgb(output), height, width)
    assert sha256(unsquared) == expected["unsquared"]
    assert sha256(pipeline.jantic_postprocess(image, output)) == expected["final"]


def test_the_non_square_cases_are_the_ones_pillow_13_changes() -> None:
    # One axis shrinks and the other grows: FERET-sized at render factor 35.
    (height, width), render_factor = recorder.JANTIC_CASES[4]
    assert (height, width, render_factor) == (768, 512, 35)
    assert height > 16 * render_factor > width


@pytest.mark.parametrize("index", range(len(recorder.DANA_CASES)))
def test_deoldify_dana_path_equals_the_original(index: int) -> None:
    (height, width), render_factor = recorder.DANA_CASES[index]
    image = recorder.synthetic_image(height, width, index)
    output = recorder.fake_tanh_network(pipeline.dana_net_input(image, render_factor))
    final = pipeline.dana_postprocess(image, output)
    assert sha256(final) == CASES[f"dana/{height}x{width}/rf{render_factor}"]["final"]


@pytest.mark.parametrize("index", range(len(recorder.RESIZE_CASES)))
def test_bilinear_resize_equals_pillow_9_3(index: int) -> None:
    (height, width), (out_height, out_width) = recorder.RESIZE_CASES[index]
    image = recorder.synthetic_image(height, width, index)
    key = f"pillow_bilinear/{height}x{width}/{out_height}x{out_width}"
    assert sha256(pillow12_bilinear_resize(image, out_width, out_height)) == CASES[key]["final"]


@pytest.mark.parametrize("seed", range(3))
def test_lightqnet_alignment_equals_skimage_and_opencv_4(seed: int) -> None:
    expected = CASES[f"lightqnet_preprocessing/{seed}"]
    points = recorder.alignment_points(seed)
    source = lightqnet.alignment_points(points)
    target = lightqnet.TEMPLATE_PERCENT / 100.0 * lightqnet.ALIGN_SIZE
    matrix = lightqnet.similarity_transform(source, target)
    np.testing.assert_allclose(matrix, json.loads(expected["matrix"]), atol=1e-8)
    face = lightqnet.align_face(recorder.synthetic_image(250, 250, seed), points)
    assert sha256(face) == expected["final"]


@pytest.mark.parametrize("seed", range(3))
def test_arcface_alignment_equals_insightface_norm_crop_under_opencv_4(seed: int) -> None:
    from insightface.utils import face_align

    image = recorder.synthetic_image(250, 250, seed)
    matrix = face_align.estimate_norm(recorder.alignment_points(seed), 112)
    crop = opencv4_warp_affine(image, matrix, (112, 112))
    assert sha256(crop) == CASES[f"arcface_alignment/{seed}"]["final"]


def test_warp_equals_opencv_4_on_random_similarities() -> None:
    # Recorded digests cover three matrices; these check the fixed-point arithmetic on many.
    cv2 = pytest.importorskip("cv2")
    if not cv2.__version__.startswith("4."):
        pytest.skip("needs OpenCV 4.x to compare against (recorded cases cover 5.x)")
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (90, 70, 3), dtype=np.uint8)
    for _ in range(20):
        scale, angle = rng.uniform(0.4, 1.6), rng.uniform(-0.6, 0.6)
        matrix = np.array(
            [
                [scale * np.cos(angle), -scale * np.sin(angle), rng.uniform(-40, 20)],
                [scale * np.sin(angle), scale * np.cos(angle), rng.uniform(-40, 20)],
            ]
        )
        expected = cv2.warpAffine(image, matrix, (64, 64), flags=cv2.INTER_LINEAR, borderValue=0)
        np.testing.assert_array_equal(opencv4_warp_affine(image, matrix, (64, 64)), expected)


def test_faceqnet_preprocessing_equals_opencv_4() -> None:
    image = recorder.synthetic_image(250, 250, 0)
    crop = faceqnet.preprocess(image, (15, 20, 160, 200))
    assert sha256(crop) == CASES["faceqnet_preprocessing/0"]["final"]


def test_greyscale_equals_recorded_imagemagick() -> None:
    expected = CASES["imagemagick_rec709luma/0"]
    assert sha256(rec709_luma(recorder.synthetic_image(120, 90, 5))) == expected["final"]
