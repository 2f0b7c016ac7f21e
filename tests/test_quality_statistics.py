"""Table 2 (quality statistics) on a hand-worked example, its formats, and the CDF/EDC
plots; the per-shard runner with a stand-in estimator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from colourfr.errors import ImageReadError
from colourfr.io.csv import TableFileError
from colourfr.quality.edc import edc_curve
from colourfr.quality.run import QualityInputError, match_records, read_quality_table, score_shard
from colourfr.quality.statistics import (
    empirical_cdf,
    long_scores,
    quality_statistics,
    score_lookup,
)
from colourfr.recognition.base import FaceRecord
from colourfr.reporting.quality import (
    latex_table,
    markdown_table,
    plot_edc,
    plot_quality_cdf,
    write_statistics_table,
)


def hand_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "estimator": ["q"] * 5 + ["q"] * 2,
            "variant": ["original"] * 5 + ["grey"] * 2,
            "score": [0.1, 0.4, 0.2, math.nan, 0.7, 0.5, 0.5],
        }
    )


def test_statistics_by_hand():
    stats = quality_statistics(hand_frame(), variant_order=["original", "grey"])
    original = stats.iloc[0]
    assert original["variant"] == "original" and original["n"] == 5 and original["n_failed"] == 1
    # values 0.1 0.2 0.4 0.7: mean 0.35, median 0.3, sample sd sqrt(0.21 / 3)
    assert original["mean"] == pytest.approx(0.35)
    assert original["median"] == pytest.approx(0.3)
    assert original["sd"] == pytest.approx(math.sqrt(0.21 / 3))
    assert (original["min"], original["max"]) == (0.1, 0.7)
    grey = stats.iloc[1]
    assert grey["sd"] == 0.0 and grey["mean"] == 0.5


def test_formats_print_three_decimals(tmp_path):
    stats = quality_statistics(hand_frame(), variant_order=["original", "grey"])
    markdown = markdown_table(stats)
    assert "| q | original | 5 | 1 | 0.350 | 0.300 | 0.265 | 0.100 | 0.700 |" in markdown
    latex = latex_table(stats)
    assert r"q & original & 5 & 1 & 0.350 & 0.300 & 0.265 & 0.100 & 0.700 \\" in latex
    paths = [tmp_path / f"t.{ext}" for ext in ("csv", "md", "tex")]
    write_statistics_table(stats, *paths)
    csv = pd.read_csv(paths[0])
    assert csv.loc[0, "sd"] == 0.265 and list(csv.columns)[:4] == [
        "estimator",
        "variant",
        "n",
        "n_failed",
    ]


def test_latex_escapes_names():
    stats = quality_statistics(
        pd.DataFrame(
            {
                "estimator": ["iso29794-5:natural_colour"],
                "variant": ["colourised-x_y"],
                "score": [66.0],
            }
        )
    )
    assert r"natural\_colour" in latex_table(stats) and r"colourised-x\_y" in latex_table(stats)


def test_long_scores_splits_iso_components(tmp_path):
    lightqnet = tmp_path / "l.csv"
    pd.DataFrame(
        {"image_id": ["a", "b"], "score": [0.5, np.nan], "failure": ["", "no_face"]}
    ).to_csv(lightqnet, index=False)
    iso = tmp_path / "i.csv"
    pd.DataFrame(
        {
            "image_id": ["a"],
            "score": [66.0],
            "failure": [""],
            "natural_colour_native": [7.07],
            "natural_colour_quality": [66.0],
            "luminance_mean_quality": [40.0],
        }
    ).to_csv(iso, index=False)
    frame = long_scores({"lightqnet": {"grey": [str(lightqnet)]}, "iso": {"grey": [str(iso)]}})
    assert sorted(frame["estimator"].unique()) == [
        "iso:luminance_mean",
        "iso:natural_colour",
        "lightqnet",
    ]
    assert frame.loc[frame["estimator"] == "lightqnet", "score"].isna().sum() == 1
    lookup = score_lookup([str(lightqnet)])
    assert lookup["a"] == 0.5 and np.isnan(lookup["b"])


def test_empirical_cdf():
    x, y = empirical_cdf(np.array([0.3, np.nan, 0.1, 0.2]))
    np.testing.assert_array_equal(x, [0.1, 0.2, 0.3])
    np.testing.assert_allclose(y, [1 / 3, 2 / 3, 1.0])


def test_plots_write_png_and_pdf(tmp_path):
    plot_quality_cdf(
        {"original": np.array([0.2, 0.5]), "grey": np.array([0.1, np.nan])},
        "q",
        tmp_path / "c.png",
        tmp_path / "c.pdf",
    )
    curve = edc_curve([0.1, 0.9, 0.2], [3, 1, 2], 0.5)
    plot_edc({"s1": curve}, {"s1": 0.01}, "q", 0.001, 0.2, tmp_path / "e.png", tmp_path / "e.pdf")
    for name in ("c.png", "c.pdf", "e.png", "e.pdf"):
        assert (tmp_path / name).stat().st_size > 1000


class HalfMean:
    """Stand-in estimator: mean red value / 255, fails on faces without landmarks."""

    name = "half-mean"

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def score(self, images, faces):
        self.batch_sizes.append(len(images))
        scores = np.array(
            [
                img[..., 0].mean() / 255 if f.landmarks is not None else np.nan
                for img, f in zip(images, faces)
            ]
        )
        return scores, [None if f.landmarks is not None else "no_landmarks" for f in faces]

    def provenance(self):
        return {}


def test_score_shard_records_every_failure_and_batches():
    index = pd.DataFrame(
        {
            "image_id": ["ok1", "missing", "noface", "ok2", "broken", "nolm"],
            "path": ["p1", "", "p3", "p4", "p5", "p6"],
            "status": ["ok", "unreadable", "ok", "ok", "ok", "ok"],
            "detail": [""] * 6,
        }
    )
    lm = np.zeros((5, 2))
    records = [
        FaceRecord("ok1", landmarks=lm),
        None,
        FaceRecord("noface", failure="no_face"),
        FaceRecord("ok2", landmarks=lm),
        FaceRecord("broken", landmarks=lm),
        FaceRecord("nolm"),
    ]

    def reader(path: str) -> np.ndarray:
        if path == "p5":
            raise ImageReadError(path, "truncated")
        value = {"p1": 51, "p4": 102}.get(path, 0)
        return np.full((4, 4, 3), value, np.uint8)

    estimator = HalfMean()
    table = score_shard(estimator, index, records, batch_size=2, reader=reader)
    assert table["failure"].tolist() == [
        "",
        "unreadable",
        "no_face",
        "",
        "truncated",
        "no_landmarks",
    ]
    np.testing.assert_allclose(table["score"], [0.2, np.nan, np.nan, 0.4, np.nan, np.nan])
    # ok1, ok2, broken, nolm reach the reader in batches of 2; broken drops out of the second.
    assert estimator.batch_sizes == [2, 1]


def test_match_records_checks_consistency():
    index = pd.DataFrame(
        {
            "image_id": ["a", "b"],
            "path": ["x", ""],
            "status": ["ok", "unreadable"],
            "detail": ["", ""],
        }
    )
    assert match_records(index, [FaceRecord("a")])[1] is None
    with pytest.raises(QualityInputError, match="no record for image 'a'"):
        match_records(index, [], "idx.csv", "det.parquet")
    with pytest.raises(QualityInputError, match="not in idx.csv"):
        match_records(index, [FaceRecord("a"), FaceRecord("zz")], "idx.csv", "det.parquet")


def test_read_quality_table_round_trip(tmp_path):
    path = tmp_path / "q.csv"
    pd.DataFrame(
        {
            "image_id": ["001", "NA"],
            "score": [0.3, np.nan],
            "failure": ["", "no_face"],
            "a_star": [1.5, np.nan],
        }
    ).to_csv(path, index=False)
    table = read_quality_table(path)
    assert table["image_id"].tolist() == ["001", "NA"] and np.isnan(table["score"][1])
    assert table["failure"].tolist() == ["", "no_face"]
    assert table["a_star"].dtype == np.float64 and np.isnan(table["a_star"][1])
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(TableFileError, match="bad.csv: not a quality table .missing"):
        read_quality_table(bad)
