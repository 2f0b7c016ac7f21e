"""Quality tables and figures: the paper's Table 2, the quality CDF (Fig. 4a), EDC curves.

Pure formatting and plotting; the numbers come from :mod:`colourfr.quality.statistics`
and :mod:`colourfr.quality.edc`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from colourfr.io import escape
from colourfr.io.figures import finish_figure, pyplot
from colourfr.io.tables import write_table
from colourfr.quality.edc import EDCCurve
from colourfr.quality.statistics import STAT_COLUMNS, empirical_cdf
from colourfr.reporting.numbers import fixed

DIGITS = 3


def rounded_table(stats: pd.DataFrame, digits: int = DIGITS) -> pd.DataFrame:
    """Table 2 with the statistics rounded to ``digits`` decimals (as the paper prints)."""
    table = stats.copy()
    for column in STAT_COLUMNS:
        table[column] = table[column].astype(float).round(digits)
    return table


def markdown_table(stats: pd.DataFrame, digits: int = DIGITS) -> str:
    header = ["Estimator", "Variant", "n", "failed", "Mean", "Median", "SD", "Min", "Max"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in stats.itertuples(index=False):
        cells = [
            escape.markdown(row.estimator),
            escape.markdown(row.variant),
            str(row.n),
            str(row.n_failed),
            *(fixed(getattr(row, column), digits) for column in STAT_COLUMNS),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def latex_table(stats: pd.DataFrame, digits: int = DIGITS, caption: str = "") -> str:
    caption = caption or "Quality score statistics per estimator and image variant."
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{{escape.latex(caption)}}}",
        r"\label{tab:quality-statistics}",
        r"\begin{tabular}{llrrrrrrr}",
        r"\hline",
        r"Estimator & Variant & $n$ & failed & Mean & Median & SD & Min & Max \\",
        r"\hline",
    ]
    for row in stats.itertuples(index=False):
        cells = [
            escape.latex(str(row.estimator)),
            escape.latex(str(row.variant)),
            str(row.n),
            str(row.n_failed),
            *(fixed(getattr(row, column), digits) for column in STAT_COLUMNS),
        ]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_statistics_table(
    stats: pd.DataFrame, csv_path: str | Path, md_path: str | Path, tex_path: str | Path
) -> None:
    write_table(
        rounded_table(stats),
        csv=csv_path,
        md=md_path,
        tex=tex_path,
        markdown_text=markdown_table(stats),
        latex_text=latex_table(stats),
    )


# ---------------------------------------------------------------------------- figures


def plot_quality_cdf(
    scores_by_variant: Mapping[str, np.ndarray],
    estimator: str,
    png: str | Path,
    pdf: str | Path,
) -> None:
    """Fig. 4a: one empirical CDF of quality scores per image variant."""
    from colourfr.reporting.styles import curve_styles

    plt = pyplot()
    styles = curve_styles(list(scores_by_variant))
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    for variant, values in scores_by_variant.items():
        x, y = empirical_cdf(values)
        if x.size:
            # Start each curve at 0 just below its smallest score.
            ax.step(
                np.r_[x[0], x],
                np.r_[0.0, y],
                where="post",
                label=f"{variant} (n={x.size})",
                markevery=max(1, x.size // 8),
                **styles[variant],
            )
    ax.set_xlabel(f"quality score ({estimator})")
    ax.set_ylabel("cumulative proportion of images")
    ax.set_ylim(0.0, 1.0)
    finish_figure(fig, ax, png, pdf)


def plot_edc(
    curves: Mapping[str, EDCCurve],
    partial_areas: Mapping[str, float],
    estimator: str,
    fmr: float,
    max_discard: float,
    png: str | Path,
    pdf: str | Path,
    scenario_labels: Mapping[str, str] | None = None,
) -> None:
    """EDC: FNMR at the baseline threshold versus the share of pairs discarded (both in %),
    one labelled, distinctly styled curve per scenario."""
    from colourfr.reporting.styles import curve_styles

    plt = pyplot()
    labels = scenario_labels or {}
    styles = curve_styles(list(curves))
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for scenario, curve in curves.items():
        label = (
            f"{labels.get(scenario, scenario)} "
            f"(pAUC@{100 * max_discard:g}% = {partial_areas[scenario]:.4f})"
        )
        ax.step(
            100.0 * np.asarray(curve.discard_fraction),
            100.0 * np.asarray(curve.fnmr),
            where="post",
            label=label,
            markevery=max(1, len(curve.fnmr) // 8),
            **styles[scenario],
        )
    ax.axvline(100.0 * max_discard, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel(f"genuine pairs discarded (%), lowest {estimator} quality first")
    ax.set_ylabel(f"FNMR (%) at FMR {100 * fmr:g} % (baseline threshold)")
    ax.set_xlim(0.0, 100.0)
    finish_figure(fig, ax, png, pdf)
