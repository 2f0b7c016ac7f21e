"""Skin tone: CIELAB, hue, ITA, CIEDE2000, the face region, ITA groups and
the differential-performance measures, on hand-worked cases and reference code."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colourfr.errors import ConfigError
from colourfr.metrics.differential import (
    differential_summary,
    fairness_discrepancy_rate,
    garbe,
    gini,
    group_rates,
    max_min_ratio,
)
from colourfr.skin_tone import (
    ALIGNED_SIZE,
    ALIGNED_TEMPLATE,
    CHARDON_BINS,
    SKIN_PATCHES,
    UNKNOWN_GROUP,
    ciede2000,
    face_skin_tone,
    group_of,
    hue_degrees,
    hue_difference,
    ita_bins,
    ita_degrees,
    skin_region_mask,
    srgb_to_lab,
    subject_groups,
    tone_of_pixels,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_lab_of_hand_worked_colours() -> None:
    white, black, grey = srgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [128, 128, 128]]))
    assert white.tolist() == pytest.approx([100.0, 0.0, 0.0], abs=1e-9)
    assert black.tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    # 128/255 -> linear 0.2158605 -> L* = 116 * 0.2158605^(1/3) - 16 = 53.585
    assert grey[0] == pytest.approx(53.5850, abs=1e-3) and grey[1:].tolist() == [0.0, 0.0]
    red = srgb_to_lab(np.array([255, 0, 0], dtype=np.uint8))
    assert red.tolist() == pytest.approx([53.24, 80.09, 67.20], abs=0.01)  # textbook sRGB red


def test_lab_agrees_with_scikit_image() -> None:
    skimage_color = pytest.importorskip("skimage.color")
    pixels = np.random.default_rng(0).integers(0, 256, (2000, 3), dtype=np.uint8)
    ours = srgb_to_lab(pixels)
    reference = skimage_color.rgb2lab(pixels[None].astype(np.float64) / 255.0)[0]
    # scikit-image's D65 white (0.95047, 1, 1.08883) differs from the matrix's row sums
    # in the fifth decimal; colourfr uses the row sums so that grey is exactly neutral.
    np.testing.assert_allclose(ours, reference, atol=0.01)


def test_ita_and_hue_by_hand() -> None:
    assert ita_degrees(50.0 + math.sqrt(3.0), 1.0) == pytest.approx(60.0)  # atan(sqrt 3)
    assert ita_degrees(40.0, 10.0) == pytest.approx(-45.0)
    assert math.isnan(ita_degrees(60.0, 0.0))  # greyscale: undefined
    assert hue_degrees(1.0, 1.0) == pytest.approx(45.0)
    assert hue_degrees(0.0, -2.0) == pytest.approx(270.0)
    assert math.isnan(hue_degrees(0.0, 0.0))
    assert hue_difference(10.0, 350.0) == pytest.approx(20.0)
    assert hue_difference(350.0, 10.0) == pytest.approx(-20.0)


def test_greyscale_pixels_have_no_ita() -> None:
    tone = tone_of_pixels(np.full((50, 3), 140, dtype=np.uint8))
    assert tone.b == 0.0 and math.isnan(tone.ita) and tone.n_pixels == 50


def test_ciede2000_sharma_pairs() -> None:
    # Sharma, Wu and Dalal (2005), table 1, pairs 1 and 7.
    assert ciede2000((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485)) == pytest.approx(
        2.0425, abs=1e-4
    )
    assert ciede2000((50.0, 0.0, 0.0), (50.0, -1.0, 2.0)) == pytest.approx(2.3669, abs=1e-4)
    assert ciede2000((60.0, 10.0, 20.0), (60.0, 10.0, 20.0)) == 0.0


def _rendered_face(angle: float, scale: float, shift: tuple[float, float]) -> tuple:
    """An image whose skin patches (in template coordinates) are painted one colour and
    everything else another, seen through a similarity transform; with its landmarks."""
    theta = math.radians(angle)
    rotation = scale * np.array(
        [[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]]
    )
    size = int(ALIGNED_SIZE * scale * 2.2)
    offset = np.array(shift) + size / 2 - rotation @ np.array([56.0, 56.0])
    landmarks = ALIGNED_TEMPLATE @ rotation.T + offset
    ys, xs = np.mgrid[0:size, 0:size]
    template = (np.stack([xs.ravel(), ys.ravel()], axis=1) - offset) @ np.linalg.inv(rotation).T
    in_patch = np.zeros(template.shape[0], dtype=bool)
    for x0, y0, x1, y1 in SKIN_PATCHES.values():  # painted 1 px wider than measured
        in_patch |= (
            (template[:, 0] >= x0 - 1) & (template[:, 0] <= x1 + 1)
            & (template[:, 1] >= y0 - 1) & (template[:, 1] <= y1 + 1)
        )  # fmt: skip
    image = np.where(in_patch[:, None], [[200, 150, 120]], [[20, 200, 30]]).astype(np.uint8)
    return image.reshape(size, size, 3), landmarks


@pytest.mark.parametrize(
    "angle,scale,shift",
    [(0.0, 1.0, (0, 0)), (25.0, 2.5, (7, -4)), (-40.0, 0.8, (-3, 5)), (90.0, 1.7, (0, 0))],
)
def test_the_region_stays_on_the_face_under_rotation_and_scale(
    angle: float, scale: float, shift: tuple[float, float]
) -> None:
    image, landmarks = _rendered_face(angle, scale, shift)
    mask = skin_region_mask(image.shape, landmarks)
    assert (image[mask] == [200, 150, 120]).all()  # only skin, never the rest
    # Pixel centres in the patches: about their area, at most the area grown by a pixel.
    sides = [(x1 - x0, y1 - y0) for x0, y0, x1, y1 in SKIN_PATCHES.values()]
    area = sum(w * h for w, h in sides) * scale**2
    assert 0.9 * area <= mask.sum() <= sum((w * scale + 2) * (h * scale + 2) for w, h in sides)
    tone = face_skin_tone(image, landmarks)
    expected = srgb_to_lab(np.array([200, 150, 120], dtype=np.uint8))
    assert [tone.L, tone.a, tone.b] == pytest.approx(expected.tolist())
    assert tone.ita == pytest.approx(ita_degrees(expected[0], expected[2]))


def test_a_face_without_landmarks_is_a_recorded_failure() -> None:
    tone = face_skin_tone(np.zeros((40, 40, 3), dtype=np.uint8), None)
    assert tone.failure == "no_landmarks" and math.isnan(tone.ita) and tone.n_pixels == 0
    far_away = ALIGNED_TEMPLATE + 1000.0  # the region lies outside the image
    assert face_skin_tone(np.zeros((40, 40, 3), np.uint8), far_away).failure == "no_skin_pixels"


def test_chardon_groups_at_the_bin_edges() -> None:
    bins = ita_bins(CHARDON_BINS)
    cases = {
        55.0001: "very light", 55.0: "light", 41.0001: "light", 41.0: "intermediate",
        28.0: "tan", 10.0: "brown", -29.9999: "brown", -30.0: "dark", -89.0: "dark",
        89.0: "very light",
    }  # fmt: skip
    for ita, group in cases.items():
        assert group_of(ita, bins) == group, ita
    assert group_of(math.nan, bins) == UNKNOWN_GROUP


@pytest.mark.parametrize(
    "bins,message",
    [
        ([{"name": "a", "max": 10}, {"name": "b", "min": 12}], "gap between bins 'a'"),
        ([{"name": "a", "max": 10}, {"name": "b", "min": 5}], "overlap"),
        ([{"name": "a", "min": 0, "max": 10}, {"name": "b", "min": 10}], "fall in no bin"),
        ([{"name": "a", "max": 10}, {"name": "b", "min": 10, "max": 20}], "fall in no bin"),
        ([{"name": "a", "max": 10}, {"name": "a", "min": 10}], "repeat"),
        ([], "at least one"),
    ],
)
def test_bins_that_overlap_or_leave_gaps_name_the_key(bins: list, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        ita_bins(bins, key="skin_tone.groups.bins")
    assert "skin_tone.groups.bins" in str(error.value)


def test_subject_groups_from_the_reference_else_the_median() -> None:
    bins = ita_bins(CHARDON_BINS)
    originals = [
        {"image_id": "a_1", "subject_id": "a", "ita": 60.0},  # reference: very light
        {"image_id": "a_2", "subject_id": "a", "ita": -50.0},
        {"image_id": "b_1", "subject_id": "b", "ita": math.nan},  # reference failed
        {"image_id": "b_2", "subject_id": "b", "ita": 20.0},
        {"image_id": "b_3", "subject_id": "b", "ita": 30.0},  # median 25: tan
        {"image_id": "c_1", "subject_id": "c", "ita": math.nan},
    ]
    references = {"a": "a_1", "b": "b_1", "c": "c_1", "d": "d_1"}
    assert subject_groups(originals, references, bins) == {
        "a": "very light", "b": "tan", "c": UNKNOWN_GROUP, "d": UNKNOWN_GROUP,
    }  # fmt: skip


def test_group_rates_and_differentials_by_hand() -> None:
    # Threshold 0.5. Group x (subjects x1, x2): genuine 0.2, 0.7, NaN -> FTA 1/3,
    # FNMR 1/2, FRR 1/3 + 1/2 * 2/3 = 2/3; impostors within x: 0.4 (accepted), 0.9 -> FMR 1/2.
    # Group y (y1, y2): genuine 0.1, 0.3 -> FNMR 0; impostors 0.8, 0.6, 0.55, 0.45 -> FMR 1/4.
    # The cross-group impostor x1-y1 counts for neither.
    rows = [
        ("x1", "x1", True, 0.2), ("x2", "x2", True, 0.7), ("x1", "x1", True, np.nan),
        ("x1", "x2", False, 0.4), ("x2", "x1", False, 0.9),
        ("y1", "y1", True, 0.1), ("y2", "y2", True, 0.3),
        ("y1", "y2", False, 0.8), ("y2", "y1", False, 0.6), ("y1", "y2", False, 0.55),
        ("y2", "y1", False, 0.45), ("x1", "y1", False, 0.1),
    ]  # fmt: skip
    scores = pd.DataFrame(rows, columns=["reference_subject", "probe_subject", "genuine", "score"])
    groups = {"x1": "x", "x2": "x", "y1": "y", "y2": "y"}
    x, y, empty = group_rates(scores, groups, 0.5, groups=["x", "y", "z"])
    assert (x.n_subjects, x.n_genuine, x.n_genuine_valid) == (2, 3, 2)
    assert (x.fta, x.fnmr, x.frr, x.fmr, x.n_impostor) == pytest.approx((1 / 3, 0.5, 2 / 3, 0.5, 2))
    assert (y.fta, y.fnmr, y.fmr, y.n_impostor) == pytest.approx((0.0, 0.0, 0.25, 4))
    assert (empty.n_subjects, empty.n_genuine, empty.fnmr, empty.fmr) == (0, 0, None, None)
    assert max_min_ratio([x.fmr, y.fmr]) == pytest.approx(2.0)
    assert math.isnan(max_min_ratio([x.fnmr, y.fnmr]))  # min 0: unbounded
    # FDR = 1 - (0.5 * |0.5 - 0.25| + 0.5 * |0.5 - 0|) = 0.625
    assert fairness_discrepancy_rate([0.5, 0.25], [0.5, 0.0]) == pytest.approx(0.625)
    # Gini of (0.5, 0.25): 2/1 * (2 * 0.25) / (2 * 4 * 0.375) = 1/3; of (0.5, 0): 1.
    assert gini([0.5, 0.25]) == pytest.approx(1 / 3)
    assert gini([0.5, 0.0]) == pytest.approx(1.0)
    assert gini([0.0, 0.0, 0.0]) == 0.0
    assert garbe([0.5, 0.25], [0.5, 0.0], alpha=0.25) == pytest.approx(0.25 / 3 + 0.75)
    summary = differential_summary([x, y, empty])
    assert summary["fdr"] == pytest.approx(0.625)
    assert summary["garbe"] == pytest.approx(0.5 / 3 + 0.5)


def test_cli_whole_image_region(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    from colourfr.cli import main

    patch = tmp_path / "patch.png"
    Image.fromarray(np.full((10, 12, 3), (200, 150, 120), dtype=np.uint8)).save(patch)
    grey = tmp_path / "grey.png"
    Image.fromarray(np.full((8, 8, 3), 90, dtype=np.uint8)).save(grey)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    code = main(["skin-tone", str(patch), str(grey), str(broken), "--region", "whole-image", "--format", "json"])  # fmt: skip
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    expected = srgb_to_lab(np.array([200, 150, 120], dtype=np.uint8))
    first = result[0]
    assert first["image"] == str(patch) and first["n_pixels"] == 120
    assert [first["L"], first["a"], first["b"]] == pytest.approx(expected.tolist())
    assert first["group"] == group_of(first["ita"], ita_bins(CHARDON_BINS)) != UNKNOWN_GROUP
    assert result[1]["ita"] is None and result[1]["group"] == UNKNOWN_GROUP
    assert result[2]["failure"] == "undecodable" and result[2]["n_pixels"] == 0


def test_cli_face_region_with_the_detector(capsys: pytest.CaptureFixture[str]) -> None:
    detector = SHARED / "models" / "scrfd" / "scrfd_2.5g_kps.onnx"
    images = sorted(
        (SHARED / "data" / "lfw" / "images_deepfunneled" / "Aaron_Peirsol").glob("*.jpg")
    )
    if not detector.is_file() or not images:
        pytest.skip("needs ../shared (SCRFD detector, LFW)")
    from colourfr.cli import main

    assert main(["skin-tone", str(images[0]), "--detector", str(detector), "--format", "json"]) == 0
    (face,) = json.loads(capsys.readouterr().out)
    assert face["failure"] is None and face["n_pixels"] > 500
    assert 30 < face["L"] < 90 and face["b"] > 0 and face["group"] != UNKNOWN_GROUP


def _write_face(path: Path, skin: tuple[int, int, int], angle: float = 10.0) -> np.ndarray:
    from PIL import Image

    image, landmarks = _rendered_face(angle, 1.5, (0, 0))
    image[(image == [200, 150, 120]).all(axis=2)] = skin
    Image.fromarray(image).save(path)
    return landmarks


def test_shard_skin_tones_measure_every_variant_in_the_original_region(tmp_path: Path) -> None:
    from colourfr.recognition.base import FaceRecord
    from colourfr.recognition.records import records_to_frame
    from colourfr.skin_tone import shard_skin_tones

    landmarks = _write_face(tmp_path / "a.png", (200, 150, 120))
    _write_face(tmp_path / "a_grey.png", (160, 160, 160))
    _write_face(tmp_path / "a_col.png", (210, 170, 150))
    records = records_to_frame(
        [
            FaceRecord("a", landmarks=landmarks, bbox=(0.0, 0.0, 10.0, 10.0)),
            FaceRecord("b", failure="no_face"),
        ]
    )

    def index(name: str) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "image_id": "a",
                    "path": str(tmp_path / f"{name}.png"),
                    "status": "ok",
                    "detail": "",
                },
                {"image_id": "b", "path": "", "status": "ok", "detail": ""},
            ]
        )

    tones = shard_skin_tones(
        records, {"original": index("a"), "grey": index("a_grey"), "colourised-x": index("a_col")}
    )
    tone = tones.set_index(["variant", "image_id"])
    assert tone.loc[("original", "a"), "ita"] == pytest.approx(
        ita_degrees(*srgb_to_lab(np.array([200, 150, 120], np.uint8))[[0, 2]])
    )
    assert math.isnan(tone.loc[("grey", "a"), "ita"])  # b* = 0: undefined, not a failure
    assert pd.isna(tone.loc[("grey", "a"), "failure"])
    assert tone.loc[("colourised-x", "a"), "L"] > tone.loc[("original", "a"), "L"]
    assert (tones.loc[tones["image_id"] == "b", "failure"] == "no_face").all()


def test_colour_shift_and_differential_tables() -> None:
    from colourfr.metrics.bootstrap import BootstrapSettings, subject_bootstrap_mean
    from colourfr.metrics.colour_shift import colour_shift_table
    from colourfr.metrics.differential import differential_tables, group_distribution, group_table
    from colourfr.protocol import protocol_subjects

    bins = ita_bins([{"name": "light", "min": 30}, {"name": "dark", "max": 30}])
    plan = BootstrapSettings(replicates=200, seed=1, confidence=0.95, min_subjects=3)
    subjects = [f"s{i}" for i in range(8)]  # s0-s5 light, s6-s7 dark
    references = pd.DataFrame({"image_id": [f"{s}_r" for s in subjects], "subject_id": subjects})
    probes = pd.DataFrame({"image_id": [f"{s}_p" for s in subjects], "subject_id": subjects})
    tone_rows = []
    for i, s in enumerate(subjects):
        ita = 50.0 if i < 6 else 0.0
        for image in (f"{s}_r", f"{s}_p"):
            tone_rows.append({"image_id": image, "variant": "original", "L": 60.0, "a": 10.0,
                              "b": 10.0 / math.tan(math.radians(ita)) if ita else 20.0,
                              "hue": 45.0, "ita": ita, "n_pixels": 10, "failure": None})  # fmt: skip
            tone_rows.append({"image_id": image, "variant": "colourised-x", "L": 60.0, "a": 10.0,
                              "b": 10.0, "hue": 45.0, "ita": ita - 5.0, "n_pixels": 10,
                              "failure": None})  # fmt: skip
    tones = pd.DataFrame(tone_rows)
    groups = group_table(tones, references, probes, bins)
    assert groups.set_index("subject_id")["group"].to_dict() == {
        **{s: "light" for s in subjects[:6]}, "s6": "dark", "s7": "dark"
    }  # fmt: skip
    subject_of = protocol_subjects(references, probes)
    distribution = group_distribution(groups, subject_of, bins, plan).set_index("group")
    assert distribution.loc["light", "subjects"] == 6 and distribution.loc["dark", "images"] == 4
    assert distribution.loc["dark", "flag"] == "too few subjects for an interval"
    # An empty group has no interval to doubt: it says it is empty.
    assert distribution.loc["unknown", "subjects"] == 0
    assert distribution.loc["unknown", "flag"] == "no subject"
    shift = colour_shift_table(tones, subject_of, groups, {"x": "colourised-x"}, bins, plan)
    light = shift.set_index("group").loc["light"]
    assert light["delta_ita"] == pytest.approx(-5.0) and light["images"] == 12
    assert light["delta_ita_low"] == pytest.approx(-5.0)  # constant shift: a point interval
    dark = shift.set_index("group").loc["dark"]
    assert math.isnan(dark["delta_ita_low"]) and dark["flag"]  # two subjects: flagged
    mean, low, high = subject_bootstrap_mean([1, 2, 3, 4, 5, 6], list("abcdef"), plan)
    assert mean == 3.5 and 1.0 <= low < 3.5 < high <= 6.0

    # Scores: light probes all accepted, dark ones: one of two rejected at T = 0.5.
    rows = [(f"{s}_r", f"{s}_p", True, 0.2 if s != "s7" else 0.9) for s in subjects]
    rows += [(f"{a}_r", f"{b}_p", False, 0.8) for a in subjects for b in subjects if a != b]
    rows += [("s0_r", "s1_p", False, 0.3)]  # one light impostor accepted
    scores = pd.DataFrame(rows, columns=["reference", "probe", "genuine", "score"])
    table, summary = differential_tables(
        {"s1": scores, "s2": scores.assign(score=scores["score"] + 0.0)},
        {"s1": "original / original", "s2": "original / grey"},
        subject_of, groups, bins, 0.5, "s1", plan,
    )  # fmt: skip
    s1 = table[table["scenario"] == "s1"].set_index("group")
    assert s1.loc["dark", "fnmr"] == pytest.approx(0.5) and s1.loc["light", "fnmr"] == 0.0
    assert s1.loc["light", "fmr"] == pytest.approx(1 / 31)  # 30 + 1 light impostor pairs
    assert s1.loc["dark", "fmr"] == 0.0 and s1.loc["dark", "flag"]
    s2 = table[table["scenario"] == "s2"].set_index("group")
    assert s2.loc["light", "fmr"] == pytest.approx(1 / 31)  # the baseline's, reused
    assert s2.loc["light", "fmr_low"] == s1.loc["light", "fmr_low"]  # its interval too
    assert s2.loc["light", "n_impostor"] == s1.loc["light", "n_impostor"] == 31
    assert "unknown" not in s1.index  # an empty bin: in the distribution only
    assert math.isnan(s1.loc["dark", "fnmr_low"])  # two subjects: no interval
    assert s1.loc["light", "fnmr_low"] == 0.0
    first = summary.set_index("scenario").loc["s1"]
    # FDR = 1 - (0.5 * 1/31 + 0.5 * 0.5)
    assert first["fdr"] == pytest.approx(1 - (0.5 / 31 + 0.25))
    assert math.isnan(first["fnmr_max_min_ratio"])  # light FNMR is 0


def test_config_refuses_bins_with_a_gap_naming_the_key(tmp_path: Path) -> None:
    import yaml

    from colourfr.config import load_config

    repo = Path(__file__).resolve().parents[1]
    overlay = tmp_path / "bins.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {"skin_tone": {"bins": [{"name": "dark", "max": 10}, {"name": "light", "min": 20}],
                           "system": "no-such-system"}}
        )
    )  # fmt: skip
    with pytest.raises(ConfigError) as error:
        load_config(repo / "config" / "config.yaml", overlay, base_dir=repo)
    message = str(error.value)
    assert "skin_tone.bins: gap between bins 'dark'" in message
    assert "skin_tone.system: 'no-such-system' is not a recognition instance" in message


def test_skin_tone_tables_without_a_colouriser(tmp_path: Path) -> None:
    """A run with every colouriser disabled still writes the group and shift tables."""
    from colourfr.metrics.bootstrap import BootstrapSettings
    from colourfr.metrics.colour_shift import colour_shift_table
    from colourfr.reporting.skin_tone import plot_delta_ita, write_skin_tone_tables

    bins = ita_bins(CHARDON_BINS)
    groups = pd.DataFrame({"subject_id": ["a"], "group": ["tan"]})
    tones = pd.DataFrame(
        [{"image_id": "a_1", "variant": "original", "L": 60.0, "a": 10.0, "b": 20.0,
          "hue": 63.4, "ita": 26.6, "n_pixels": 10, "failure": None}]
    )  # fmt: skip
    shift = colour_shift_table(
        tones, pd.Series({"a_1": "a"}), groups, {}, bins, BootstrapSettings(replicates=10)
    )
    assert shift.empty and "delta_ita_low" in shift.columns
    distribution = pd.DataFrame(
        {"group": ["tan"], "subjects": [1], "subjects_pct": [100.0], "images": [1], "flag": [""]}
    )
    names = ("groups_csv", "groups_md", "groups_tex", "shift_csv", "shift_md", "shift_tex")
    paths = {name: tmp_path / f"{name}.txt" for name in names}
    write_skin_tone_tables(distribution, shift, "Chardon et al. 1991", paths)
    plot_delta_ita(shift, tmp_path / "delta.png")
    assert (tmp_path / "delta.png").read_bytes().startswith(b"\x89PNG")
    assert "Chardon" in paths["groups_md"].read_text()
