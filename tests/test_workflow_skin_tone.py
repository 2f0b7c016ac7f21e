"""Skin tone in the workflow (on by default): the reduced experiment writes the
per-image tones of every variant, the subjects' groups, the colour shift per colouriser
and group, and per system the rates per group; the rates follow from the score files
and the groups, and the grey variant's ITA is undefined, not failed."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from colourfr.metrics.thresholds import threshold_at_fmr
from colourfr.scores import read_scores


def test_skin_tone_outputs_of_the_reduced_experiment(
    reduced_experiment: tuple[Path, list[str]],
) -> None:
    results, _ = reduced_experiment
    folder = results / "lfw" / "skin_tone" / "paper"
    tones = pd.read_csv(folder / "image_tones.csv")
    variants = set(tones["variant"])
    assert {"original", "grey"} <= variants and any(v.startswith("colourised-") for v in variants)
    grey = tones[(tones["variant"] == "grey") & tones["failure"].isna()]
    assert len(grey) > 0 and grey["ita"].isna().all() and (grey["b"].abs() < 1e-9).all()
    original = tones[(tones["variant"] == "original") & tones["failure"].isna()]
    assert original["ita"].between(-90, 90).all() and (original["n_pixels"] > 100).all()
    # Every variant of an image is measured on the same pixels.
    pixels = tones[tones["failure"].isna()].groupby("image_id")["n_pixels"].nunique()
    assert (pixels == 1).all()

    groups = pd.read_csv(folder / "subject_groups.csv")
    distribution = pd.read_csv(folder / "groups.csv")
    assert distribution["subjects"].sum() == len(groups) == 6  # the six reduced subjects
    assert set(distribution["group"]) >= {"very light", "dark", "unknown"}
    assert "Chardon et al. 1991" in (folder / "groups.md").read_text()

    shift = pd.read_csv(folder / "colour_shift.csv")
    everyone = shift[shift["group"] == "all"].set_index("colouriser")
    assert set(everyone.index) == {"trained-unet", "exemplar-transfer"}
    for colouriser in everyone.index:
        per_image = pd.merge(
            original, tones[tones["variant"] == f"colourised-{colouriser}"], on="image_id"
        )
        expected = (per_image["ita_y"] - per_image["ita_x"]).mean()
        assert everyone.loc[colouriser, "delta_ita"] == np_approx(expected)

    system = "arcface-mobilefacenet"
    rows = pd.read_csv(folder / system / "differential.csv")
    scores = read_scores(results / "lfw" / "scores" / "paper" / system / "s1.parquet")
    impostors = scores.loc[~scores["genuine"], "score"]
    threshold = threshold_at_fmr(impostors, 0.001).threshold
    assert threshold is not None
    s1 = rows[rows["scenario"] == "s1"]
    assert s1["n_genuine"].sum() == int(scores["genuine"].sum())  # every probe in one group
    references = pd.read_csv(results / "lfw" / "protocols" / "paper" / "probes.csv", dtype=str)
    subject_of = dict(zip(references["image_id"], references["subject_id"]))
    group_of = dict(zip(groups["subject_id"].astype(str), groups["group"]))
    genuine = scores[scores["genuine"]].copy()
    genuine["group"] = genuine["probe"].map(subject_of).map(group_of)
    for row in s1.itertuples(index=False):
        part = genuine.loc[genuine["group"] == row.group, "score"].dropna()
        if len(part):
            assert row.fnmr == np_approx(float((part >= threshold).mean()))
    assert (rows.loc[rows["n_subjects"] < 5, "flag"].fillna("") != "").all()
    summary = pd.read_csv(folder / system / "differential_summary.csv")
    scenarios = sorted(
        p.stem for p in (results / "lfw" / "scores" / "paper" / system).glob("*.parquet")
    )
    assert summary["scenario"].iloc[0] == "s1" and sorted(summary["scenario"]) == scenarios
    page = (folder / system / "differential.html").read_text()
    assert "GARBE" in page and "FDR" in page
    for name in ("skin_tone_ita", "skin_tone_delta_ita", f"{system}/differential_fnmr"):
        figure = results / "lfw" / "figures" / "paper" / f"{name}.png"
        assert figure.read_bytes().startswith(b"\x89PNG")


def np_approx(value: float) -> object:
    import pytest

    return pytest.approx(value, nan_ok=math.isnan(value), abs=1e-9) if np.isfinite(value) else value
