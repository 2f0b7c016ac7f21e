"""Verification figures: DET curves, FRR against the threshold (the paper's Fig. 4b) and
score distributions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from colourfr.io.figures import finish_figure, pyplot, save_figures
from colourfr.metrics import (
    error_curve,
    frr_curve,
    thresholds_at_fmrs,
    valid_scores,
)
from colourfr.reporting.styles import curve_styles

# --------------------------------------------------------------------------- figures


def plot_det(
    scenarios: Mapping[str, np.ndarray],
    impostor: np.ndarray,
    png: str | Path,
    pdf: str | Path,
    fmr_marks: Sequence[float] = (0.001,),
    scenario_labels: Mapping[str, str] | None = None,
    max_points: int = 2000,
) -> None:
    """DET curves (probit axes): FNMR vs FMR of each scenario's genuine scores against the
    baseline impostors; vertical lines at the FMR targets."""
    from scipy.stats import norm

    plt = pyplot()
    labels = scenario_labels or {}
    styles = curve_styles(list(scenarios))
    fig, ax = plt.subplots(figsize=(5.0, 4.5))
    floor, top = 1e-5, 0.5
    for name, genuine in scenarios.items():
        label = labels.get(name, name)
        if valid_scores(genuine).size == 0:
            ax.plot([], [], label=f"{label}: no valid scores", **styles[name])
            continue
        curve = error_curve(genuine, impostor, max_points=max_points)
        shown = (curve.fmr >= floor) & (curve.fmr <= top)
        if not np.any(curve.fnmr[shown] >= floor):
            # No genuine error in the plotted range: a line on the axis floor, said so.
            ax.plot(
                norm.ppf([floor, top]),
                norm.ppf([floor, floor]) + 0.04,
                label=f"{label}: no errors",
                markevery=[0],
                **styles[name],
            )
            continue
        fmr = np.clip(curve.fmr, floor / 10, 1 - floor)
        fnmr = np.clip(curve.fnmr, floor / 10, 1 - floor)
        ax.plot(
            norm.ppf(fmr),
            norm.ppf(fnmr),
            label=label,
            linewidth=1.4,
            markevery=0.12,  # evenly spaced along the curve as drawn
            **styles[name],
        )
    ticks = np.array([1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5])
    ax.set_xticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    ax.set_yticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    for mark in fmr_marks:
        ax.axvline(norm.ppf(mark), color="grey", linestyle=":", linewidth=1)
    ax.set_xlim(norm.ppf(1e-5), norm.ppf(0.5))
    ax.set_ylim(norm.ppf(1e-5), norm.ppf(0.5))
    ax.set_xlabel("FMR (%)")
    ax.set_ylabel("FNMR (%)")
    finish_figure(fig, ax, png, pdf)


def plot_frr_vs_threshold(
    scenarios: Mapping[str, np.ndarray],
    impostor: np.ndarray,
    png: str | Path,
    pdf: str | Path,
    marked_fmr: float = 0.001,
    scenario_labels: Mapping[str, str] | None = None,
    points: int = 400,
) -> None:
    """FRR (FTA included) of each scenario as the threshold varies, as in the paper's
    Fig. 4b; the baseline threshold at ``marked_fmr`` is drawn as a vertical line."""
    plt = pyplot()
    labels = scenario_labels or {}
    all_valid = np.concatenate(
        [valid_scores(impostor), *[valid_scores(g) for g in scenarios.values()]]
    )
    grid = np.linspace(float(all_valid.min()), float(all_valid.max()), points)
    styles = curve_styles(list(scenarios))
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    for name, genuine in scenarios.items():
        frr = frr_curve(genuine, grid)
        ax.plot(
            grid,
            100.0 * frr,
            label=labels.get(name, name),
            linewidth=1.4,
            markevery=0.12,
            **styles[name],
        )
    (threshold,) = thresholds_at_fmrs(impostor, [marked_fmr])
    if threshold.threshold is not None:
        ax.axvline(threshold.threshold, color="black", linestyle="--", linewidth=1)
        ax.annotate(
            f"FMR {100 * marked_fmr:g}%",
            (threshold.threshold, 95),
            rotation=90,
            ha="right",
            va="top",
            fontsize="small",
        )
    ax.set_xlabel("decision threshold (cosine distance)")
    ax.set_ylabel("FRR (%)")
    ax.set_ylim(0, 100)
    finish_figure(fig, ax, png, pdf)


def plot_score_distributions(
    scenarios: Mapping[str, np.ndarray],
    impostor: np.ndarray,
    png: str | Path,
    pdf: str | Path,
    scenario_labels: Mapping[str, str] | None = None,
    max_impostors: int = 200_000,
    seed: int = 0,
) -> None:
    """Genuine score densities per scenario and the baseline impostor density.

    Very large impostor sets are randomly subsampled (seeded) for the density estimate."""
    import seaborn as sns

    plt = pyplot()
    labels = scenario_labels or {}
    impostor_valid = valid_scores(impostor)
    if impostor_valid.size > max_impostors:
        impostor_valid = np.random.default_rng(seed).choice(
            impostor_valid, max_impostors, replace=False
        )
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    sns.kdeplot(
        impostor_valid,
        ax=ax,
        color="black",
        linestyle="--",
        label="impostor (baseline)",
        warn_singular=False,
    )
    styles = curve_styles(list(scenarios))
    for name, genuine in scenarios.items():
        valid = valid_scores(genuine)
        if valid.size > 1:
            style = {k: v for k, v in styles[name].items() if k in ("color", "linestyle")}
            sns.kdeplot(
                valid,
                ax=ax,
                label=f"genuine {labels.get(name, name)}",
                warn_singular=False,
                **style,
            )
    ax.set_xlabel("cosine distance")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    save_figures(fig, png, pdf)
    plt.close(fig)
