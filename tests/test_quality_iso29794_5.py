"""ISO/IEC 29794-5 colour and exposure components against hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from colourfr.quality import iso29794_5 as iso
from colourfr.recognition.base import FaceRecord


def test_srgb_linearisation_hand_values():
    # ((0.5 + 0.055) / 1.055) ** 2.4 and 0.04 / 12.92
    np.testing.assert_allclose(
        iso.srgb_to_linear([0.5, 0.04, 1.0]), [0.2140411, 0.003095975, 1.0], rtol=1e-6
    )


def test_luminance_image_of_primaries():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]]], np.uint8)
    # 0.2126 * 255 = 54.2, 0.7152 * 255 = 182.4, 0.0722 * 255 = 18.4
    assert iso.luminance_image(rgb).tolist() == [[54, 182, 18, 255, 0]]


@pytest.mark.parametrize(
    ("rgb", "lab_ab"),
    # sRGB primaries in CIELAB D50 (the ICC sRGB profile's PCS values).
    [
        ((255, 0, 0), (80.81, 69.89)),
        ((0, 255, 0), (-79.29, 80.99)),
        ((0, 0, 255), (68.30, -112.03)),
    ],
)
def test_cielab_of_srgb_primaries(rgb, lab_ab):
    a_star, b_star = iso.mean_colour_to_ab(rgb)
    assert a_star == pytest.approx(lab_ab[0], abs=0.1)
    assert b_star == pytest.approx(lab_ab[1], abs=0.1)


def test_grey_is_achromatic_up_to_round_off():
    for value in (1, 60, 128, 255):
        a_star, b_star = iso.mean_colour_to_ab((value, value, value))
        assert abs(a_star) < 1e-2 and abs(b_star) < 1e-2


@pytest.mark.parametrize(
    ("a_star", "b_star", "native"),
    [
        (15.0, 20.0, 0.0),
        (5.0, 35.0, 0.0),
        (30.0, 40.0, math.sqrt(50)),
        (2.0, 20.0, 3.0),
        (15.0, 39.0, 4.0),
        (0.0, 0.0, math.sqrt(50)),
        (-0.1, 20.0, 100.0),
        (10.0, -3.0, 100.0),
    ],
)
def test_natural_colour_native(a_star, b_star, native):
    assert iso.natural_colour_native(a_star, b_star) == pytest.approx(native)


def test_natural_colour_quality_mapping():
    assert iso.natural_colour_quality(0.0) == 100.0  # 200 * (1 - 1/2)
    # 200 * (1 - 1 / (1 + exp(-0.70711))) = 66.05
    assert iso.natural_colour_quality(math.sqrt(50)) == 66.0
    assert iso.natural_colour_quality(100.0) == 0.0


def test_round_half_away_from_zero():
    assert iso.round_half_away(2.5) == 3.0 and iso.round_half_away(0.5) == 1.0
    assert iso.round_half_away(-2.5) == -3.0 and iso.round_half_away(2.49) == 2.0


def test_luminance_statistics_two_level_region():
    # Half black, half white: mean 0.5, variance 0.25, entropy 1 bit, 50 % dark, 50 % bright.
    luminance = np.array([[0, 255, 17], [255, 0, 99]], np.uint8)
    mask = np.array([[True, True, False], [True, True, False]])
    stats = iso.luminance_statistics(luminance, mask)
    assert stats == pytest.approx(
        {
            "luminance_mean": 0.5,
            "luminance_variance": 0.25,
            "dynamic_range": 1.0,
            "under_exposure": 0.5,
            "over_exposure": 0.5,
        }
    )
    # mean 0.5: 100 * s(6) * (1 - s(-6)) = 99.5 -> 100 (rounded half away)
    assert iso.luminance_mean_quality(0.5) == 100.0
    # variance 0.25: 100 * sin(15/16 pi) = 19.5 -> 20
    assert iso.luminance_variance_quality(0.25) == 20.0
    assert iso.dynamic_range_quality(1.0) == 13.0  # round(12.5), half away from zero
    assert iso.dynamic_range_quality(3.0) == 38.0  # round(37.5)
    assert iso.dynamic_range_quality(2.0) == 25.0
    assert iso.dynamic_range_quality(9.0) == 100.0  # clipped
    # 120 * (0.832 - s(-8.4)) = 99.8 -> 100 ; 1 / 0.51 = 1.96 -> 2
    assert iso.under_exposure_quality(0.5) == 100.0
    assert iso.over_exposure_quality(0.5) == 2.0
    # all dark: 120 * (0.832 - s(1.6)) = 120 * (0.832 - 0.83202) -> 0
    assert iso.under_exposure_quality(1.0) == 0.0
    assert iso.over_exposure_quality(0.0) == 100.0


def test_luminance_mean_quality_edges():
    # mean 0.2: 100 * 0.5 * (1 - s(-12)) = 50.0
    assert iso.luminance_mean_quality(0.2) == 50.0
    assert iso.luminance_mean_quality(0.0) == 2.0  # 100 * s(-4) = 1.8 -> 2


def reference_face(
    colour_regions=(255, 0, 0), colour_rest=(0, 0, 255)
) -> tuple[np.ndarray, FaceRecord]:
    """616x616 image already in OFIQ's aligned frame; the two natural-colour squares
    worked out by hand: inter-eye 113 -> side int(33.9) = 33; eye-mouth distance
    |(307.5, 272) - (308.5, 402)| = 130.004 -> drop 65: squares at x 251 and 364 - 33,
    y 272 + 65, side 33."""
    image = np.empty((616, 616, 3), np.uint8)
    image[:] = colour_rest
    image[337:370, 251:284] = colour_regions
    image[337:370, 331:364] = colour_regions
    landmarks = iso.REFERENCE_POINTS.astype(np.float64)
    return image, FaceRecord("ref", bbox=(150, 150, 466, 520), landmarks=landmarks)


def test_natural_colour_regions_by_hand():
    left, right = iso.natural_colour_regions(iso.REFERENCE_POINTS)
    assert left == (251, 337, 33, 33)
    assert right == (331, 337, 33, 33)


def test_natural_colour_reads_only_the_cheek_squares():
    image, face = reference_face()
    scores, reasons, columns = iso.ISO29794_5().score_details([image], [face])
    assert reasons == [None]
    assert columns["a_star"][0] == pytest.approx(80.81, abs=0.1)  # pure red, not blue
    assert columns["b_star"][0] == pytest.approx(69.89, abs=0.1)
    # a* > 25 and b* > 35: D = hypot(80.81 - 25, 69.89 - 35)
    assert columns["natural_colour_native"][0] == pytest.approx(math.hypot(55.81, 34.89), abs=0.15)
    assert scores[0] == columns["natural_colour_quality"][0] == 0.0


def test_skin_colour_is_natural():
    skin = (224, 172, 140)
    image, face = reference_face(skin, skin)
    a_star, b_star = iso.mean_colour_to_ab(skin)
    assert 5 <= a_star <= 25 and 5 <= b_star <= 35
    scores, _, columns = iso.ISO29794_5().score_details([image], [face])
    assert columns["natural_colour_native"][0] == 0.0 and scores[0] == 100.0
    # A uniform face: one luminance level -> zero variance and zero entropy.
    assert columns["luminance_variance_native"][0] == 0.0
    assert columns["dynamic_range_native"][0] == 0.0


def test_greyscale_face_policies():
    image, face = reference_face((128, 128, 128), (90, 90, 90))
    # Default, as OFIQ: no coloured pixel -> native 0, quality 100.
    scores, reasons, columns = iso.ISO29794_5().score_details([image], [face])
    assert reasons == [None]
    assert columns["natural_colour_native"][0] == 0.0 and scores[0] == 100.0
    # formula: a* = b* = 0 after snapping the round-off -> D = sqrt(50), quality 66.
    _, reasons, columns = iso.ISO29794_5(achromatic="formula").score_details([image], [face])
    assert reasons == [None]
    assert columns["a_star"][0] == 0.0 and columns["b_star"][0] == 0.0
    assert columns["natural_colour_native"][0] == pytest.approx(math.sqrt(50))
    assert columns["natural_colour_quality"][0] == 66.0
    scores, reasons, columns = iso.ISO29794_5(achromatic="nan").score_details([image], [face])
    assert reasons == ["achromatic"] and np.isnan(scores[0])
    # Other components are still assessed for a grey face.
    assert np.isfinite(columns["luminance_mean_quality"][0])
    # With a headline that grey does not affect, no failure is reported.
    scores, reasons = iso.ISO29794_5(headline="luminance_mean", achromatic="nan").score(
        [image], [face]
    )
    assert reasons == [None] and np.isfinite(scores[0])


def test_ofiq_policy_needs_every_pixel_grey():
    image, face = reference_face((128, 128, 128), (90, 90, 90))
    # One coloured pixel far from the cheeks: no longer greyscale, so the formula applies
    # to the (round-off negative) a*, b* of the grey cheeks: D = 100, quality 0 -- OFIQ.
    image[300, 300] = (91, 90, 90)
    assert not iso.is_greyscale(image)
    scores, _, columns = iso.ISO29794_5().score_details([image], [face])
    assert columns["a_star"][0] < 0 and columns["natural_colour_native"][0] == 100.0
    assert scores[0] == 0.0
    assert iso.is_greyscale(np.full((2, 2, 3), 7, np.uint8))


def test_alignment_maps_landmarks_onto_reference_points():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (300, 280, 3), dtype=np.uint8)
    # A scaled, rotated, shifted copy of the reference geometry.
    angle, scale = math.radians(12), 0.4
    rotation = scale * np.array(
        [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    )
    landmarks = iso.REFERENCE_POINTS @ rotation.T + np.array([20.0, 10.0])
    aligned = iso.align(image, landmarks)
    np.testing.assert_allclose(aligned.landmarks, iso.REFERENCE_POINTS, atol=1e-3)
    assert aligned.image.shape == (616, 616, 3)
    # Pixels mapped from outside the source are marked invalid, not treated as black.
    assert aligned.valid.any() and not aligned.valid.all()


def test_missing_face_and_landmarks_give_nan_with_reason():
    image, face = reference_face()
    estimator = iso.ISO29794_5()
    faces = [
        FaceRecord("a", failure="no_face"),
        FaceRecord("b", bbox=(1, 1, 5, 5)),
        face,
        FaceRecord("d", landmarks=np.zeros((5, 2))),
        FaceRecord("e", landmarks=np.full((5, 2), np.nan)),
    ]
    scores, reasons, columns = estimator.score_details([image] * 5, faces)
    assert reasons == ["no_face", "no_landmarks", None, "alignment_failed", "no_landmarks"]
    assert np.isnan(scores[[0, 1, 3, 4]]).all()
    assert np.isnan(scores[:2]).all() and np.isnan(columns["luminance_mean_native"][:2]).all()


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError, match="headline"):
        iso.ISO29794_5(headline="sharpness")
    with pytest.raises(ValueError, match="achromatic"):
        iso.ISO29794_5(achromatic="perfect")
