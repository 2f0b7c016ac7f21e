"""The answer in the workflow: the reduced experiment's effects table, forest plot and
summary headline agree with the score files they come from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colourfr.metrics.effects import holm
from colourfr.scores import paired_genuine_scores, read_scores

SYSTEMS = ("arcface-mobilefacenet", "dlib-resnet")
COLOURISERS = ("trained-unet", "exemplar-transfer")


def test_effects_of_the_reduced_experiment(reduced_experiment: tuple[Path, list[str]]) -> None:
    results, _ = reduced_experiment
    effects = pd.read_csv(results / "effects" / "effects.csv")
    assert len(effects) == len(SYSTEMS) * len(COLOURISERS) * 3
    assert set(effects["comparison"]) == {"grey-both", "grey-probe", "original-probe"}
    grey_both = effects[effects["comparison"] == "grey-both"]
    assert set(grey_both["control"]) == {"s3"} and set(grey_both["treatment"]) == {
        f"s4-{c}" for c in COLOURISERS
    }
    np.testing.assert_allclose(effects["p_holm"], holm(effects["p_mcnemar"]))
    assert set(effects["verdict"]) <= {"better", "worse", "equivalent", "inconclusive"}

    # One row recomputed from its score files at the baseline's threshold (Table 3's).
    row = effects[
        (effects["system"] == "dlib-resnet") & (effects["comparison"] == "grey-probe")
    ].iloc[0]
    scores = results / "lfw" / "scores" / "paper" / "dlib-resnet"
    control = read_scores(scores / f"{row.control}.parquet")
    treatment = read_scores(scores / f"{row.treatment}.parquet")
    a, b, _ = paired_genuine_scores(control, "c", treatment, "t")
    performance = pd.read_csv(
        results / "lfw" / "metrics" / "paper" / "dlib-resnet" / "performance.csv"
    )
    threshold = performance.loc[
        (performance["file"] == "s1") & (performance["fmr_target"] == 0.001), "threshold"
    ].item()
    assert row.threshold == pytest.approx(threshold)
    rejects = lambda s: ~np.isfinite(s) | (np.nan_to_num(s, nan=np.inf) >= threshold)
    assert row.delta_frr == pytest.approx(rejects(b).mean() - rejects(a).mean())
    assert row.delta_frr_low <= row.delta_frr <= row.delta_frr_high

    # The forest plot shows every row, in the table's order, in points.
    forest = pd.read_csv(results / "figures" / "effects_forest.csv")
    np.testing.assert_allclose(forest["effect"], 100 * effects["delta_frr"])
    np.testing.assert_allclose(forest["low"], 100 * effects["delta_frr_low"])
    assert forest["verdict"].tolist() == effects["verdict"].tolist()
    for suffix in ("png", "pdf"):
        assert (results / "figures" / f"effects_forest.{suffix}").stat().st_size > 0
    assert "<table>" in (results / "effects" / "effects.html").read_text()

    # The headline answers per system, in one sentence each.
    summary = (results / "summary.md").read_text()
    headline = summary.split("<!-- headline -->")[1].split("<!-- /headline -->")[0]
    lines = [line for line in headline.splitlines() if line.startswith("- ")]
    assert len(lines) == len(SYSTEMS)
    assert all("colourising the grey probe" in line for line in lines)
    assert "## Effects of colourisation" in summary
    page = (results / "summary.html").read_text()
    assert "headline --" not in page and "<ul>" in page
