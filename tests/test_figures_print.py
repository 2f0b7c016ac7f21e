"""Figures fit to print: labels not ids, distinct line styles and markers,
a curve without errors drawn and said so, per cent on error axes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import colourfr.reporting.quality as quality_figures
import colourfr.reporting.verification_figures as verification
from colourfr.io.figures import pyplot
from colourfr.quality.edc import EDCCurve

LABELS = {"s1": "original / original", "s3": "grey / grey", "s4": "colourised / colourised"}


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    figures: list[Any] = []

    def keep(fig: Any, *paths: Any) -> None:
        figures.append(fig)

    # The one figure saver, as the reporting modules and the one figure finish call it.
    import colourfr.io.figures as io_figures

    monkeypatch.setattr(io_figures, "save_figures", keep)
    for module in (verification, quality_figures):
        if hasattr(module, "save_figures"):
            monkeypatch.setattr(module, "save_figures", keep)
    monkeypatch.setattr(pyplot(), "close", lambda fig: None)
    return figures


def _legend(fig: Any) -> list[str]:
    return [text.get_text() for text in fig.axes[0].get_legend().get_texts()]


def _styles(fig: Any) -> set[tuple[Any, Any, Any]]:
    return {
        (line.get_color(), str(line.get_linestyle()), line.get_marker())
        for line in fig.axes[0].get_lines()
        if line.get_label() and not line.get_label().startswith("_")
    }


def scores() -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(0)
    impostor = rng.normal(0.8, 0.05, 20_000)
    return {
        "s1": rng.normal(0.2, 0.05, 500),  # no genuine error at any plotted FMR
        "s3": rng.normal(0.6, 0.1, 500),
        "s4": np.r_[rng.normal(0.55, 0.1, 450), [np.nan] * 50],
    }, impostor


def test_det_labels_styles_and_no_error_curve(captured: list[Any], tmp_path: Path) -> None:
    genuine, impostor = scores()
    verification.plot_det(
        genuine, impostor, tmp_path / "a.png", tmp_path / "a.pdf", [0.001], LABELS
    )
    (fig,) = captured
    assert _legend(fig) == [
        "original / original: no errors",
        "grey / grey",
        "colourised / colourised",
    ]
    assert len(_styles(fig)) == 3  # colour, line style and marker differ
    floor_line = next(l for l in fig.axes[0].get_lines() if "no errors" in l.get_label())
    assert np.ptp(floor_line.get_ydata()) == 0  # drawn flat at the axis floor
    assert fig.axes[0].get_ylim()[0] < floor_line.get_ydata()[0] < fig.axes[0].get_ylim()[0] + 0.1
    assert fig.axes[0].get_xlabel() == "FMR (%)" and fig.axes[0].get_ylabel() == "FNMR (%)"


def test_frr_and_distributions_use_labels(captured: list[Any], tmp_path: Path) -> None:
    genuine, impostor = scores()
    verification.plot_frr_vs_threshold(
        genuine, impostor, tmp_path / "b.png", tmp_path / "b.pdf", 0.001, LABELS
    )
    verification.plot_score_distributions(
        genuine, impostor, tmp_path / "c.png", tmp_path / "c.pdf", LABELS
    )
    frr, distributions = captured
    assert _legend(frr) == list(LABELS.values())
    assert len(_styles(frr)) == 3
    assert frr.axes[0].get_ylabel() == "FRR (%)"
    assert _legend(distributions) == [
        "impostor (baseline)",
        *(f"genuine {l}" for l in LABELS.values()),
    ]


def test_edc_uses_labels_and_percent(captured: list[Any], tmp_path: Path) -> None:
    curve = EDCCurve(
        discard_fraction=np.array([0.0, 0.1, 0.2]),
        fnmr=np.array([0.1, 0.05, 0.0]),
        quality_threshold=np.array([0.0, 0.3, 0.5]),
        n_remaining=np.array([10, 9, 8]),
        n_total=10,
    )
    quality_figures.plot_edc(
        {"s3": curve, "s4": curve},
        {"s3": 0.01, "s4": 0.02},
        "lightqnet",
        0.001,
        0.2,
        tmp_path / "e.png",
        tmp_path / "e.pdf",
        scenario_labels=LABELS,
    )
    (fig,) = captured
    assert _legend(fig) == [
        "grey / grey (pAUC@20% = 0.0100)",
        "colourised / colourised (pAUC@20% = 0.0200)",
    ]
    assert "(%)" in fig.axes[0].get_xlabel() and "(%)" in fig.axes[0].get_ylabel()
    assert fig.axes[0].get_xlim() == (0.0, 100.0)
    assert len(_styles(fig)) == 2


def test_fig5_rows_are_named_by_image_id(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import pandas as pd

    from colourfr.reporting import examples

    figures: list[Any] = []
    monkeypatch.setattr(examples, "_save", lambda fig, stem: figures.append(fig))
    ids = ["a_0001", "b_0002"]
    changes = pd.DataFrame(
        {"image_id": ids, "grey_failure": ["no_face", "too_small"],
         "colourised_failure": ["", ""], "change": ["rescued", "rescued"]}
    )  # fmt: skip
    index = pd.DataFrame({"image_id": ids, "path": ["", ""]})
    examples.fta_rescue_figure(changes, index, index, "deoldify-stable", tmp_path / "fig5")
    (fig,) = figures
    rows = [axis.get_ylabel() for axis in fig.axes if axis.get_ylabel()]
    assert rows == ["a_0001\n(grey: no_face)", "b_0002\n(grey: too_small)"]
