"""Identification results of one (dataset, protocol, system): the table in the layout of
Table 3 (rank-1, FNIR at each FPIR target, both FTA rates, subject-bootstrap intervals),
paired McNemar tests of rank-1 hits (greyscale against colourised), CMC and FNIR-versus-
FPIR figures. Thresholds come from the baseline scenario's open-set non-mated searches
and are reused in every scenario."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from colourfr.io.figures import finish_figure, pyplot
from colourfr.io.tables import latex, markdown, write_table
from colourfr.metrics.identification import (
    fnir_fpir_curves,
    identification_results,
    rank1_mcnemar,
)
from colourfr.reporting.numbers import percent
from colourfr.reporting.styles import curve_styles


def identification_layout(results: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """Scenario, rank-1 %, FNIR % at each FPIR target, FTA % (mated, non-mated)."""
    rows = []
    for scenario, group in results.groupby("scenario", sort=False):
        first = group.iloc[0]
        row = {
            "Scenario": labels.get(str(scenario), str(scenario)),
            "Rank-1 (%)": percent(first["rank1"], first["rank1_low"], first["rank1_high"]),
        }
        for record in group.itertuples():
            row[f"FNIR (%) at FPIR {100 * record.fpir_target:g} %"] = percent(
                record.fnir, record.fnir_low, record.fnir_high
            )
        row["FTA mated (%)"] = percent(first["fta_mated"])
        row["FTA non-mated (%)"] = percent(first["fta_non_mated"])
        rows.append(row)
    return pd.DataFrame(rows)


def write_identification_report(
    tables: Mapping[str, pd.DataFrame],
    baseline: str,
    labels: Mapping[str, str],
    fpir_targets: Sequence[float],
    max_rank: int,
    paired_tests: Sequence[tuple[str, str]],
    outputs: Mapping[str, str | Path],
    replicates: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    results, curves = identification_results(
        tables, baseline, fpir_targets, max_rank, replicates, seed
    )
    layout = identification_layout(results, labels)
    thresholds = results[results["scenario"] == baseline]
    caption = (
        f"Identification per scenario: closed-set rank-1 over the full gallery; open-set FNIR "
        f"at FPIR with thresholds from {labels.get(baseline, baseline)}'s non-mated searches "
        + ", ".join(
            f"(FPIR {100 * r.fpir_target:g} %: T = {r.threshold:.4f}, achieved {percent(r.fpir)} %)"
            for r in thresholds.itertuples()
            if r.threshold is not None and not pd.isna(r.threshold)
        )
        + f"; {replicates} subject-bootstrap replicates (95 % intervals in brackets)."
    )
    write_table(
        results,
        csv=outputs["csv"],
        md=outputs["md"],
        tex=outputs["tex"],
        title="Identification",
        markdown_text="# Identification\n\n"
        + caption
        + "\n\n"
        + markdown(layout, numparse=False)
        + "\n",
        latex_text=latex(layout, caption=caption),
    )
    from colourfr.io.csv import write_csv

    write_csv(rank1_mcnemar(tables, paired_tests), outputs["mcnemar"])
    plot_cmc(curves, labels, outputs["cmc_png"], outputs["cmc_pdf"])
    plot_fnir_fpir(tables, baseline, labels, outputs["fnir_png"], outputs["fnir_pdf"])
    return results


def plot_cmc(
    curves: Mapping[str, np.ndarray], labels: Mapping[str, str], png: str | Path, pdf: str | Path
) -> None:
    plt = pyplot()
    styles = curve_styles(list(curves))
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    for name, curve in curves.items():
        ranks = np.arange(1, curve.size + 1)
        ax.plot(ranks, 100 * curve, label=labels.get(name, name), **styles[name])
    ax.set_xlabel("rank")
    ax.set_ylabel("identification rate (%)")
    ax.set_ylim(min(90.0, ax.get_ylim()[0]), 100.5)
    ax.set_title("CMC (closed set)")
    finish_figure(fig, ax, png, pdf)


def plot_fnir_fpir(
    tables: Mapping[str, pd.DataFrame],
    baseline: str,
    labels: Mapping[str, str],
    png: str | Path,
    pdf: str | Path,
) -> None:
    """FNIR at rank 1 against FPIR, thresholds swept over the baseline's non-mated minima."""
    plt = pyplot()
    curves = fnir_fpir_curves(tables, baseline)
    styles = curve_styles(list(tables))
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    if curves:
        for name, (fpir, values) in curves.items():
            if all(v is None for v in values):
                continue
            ax.step(100 * fpir, [100 * (v if v is not None else np.nan) for v in values],
                    where="post", label=labels.get(name, name), markevery=0.12,
                    **styles[name])  # fmt: skip
        ax.set_xscale("symlog", linthresh=1.0)
    # FNIR is a rate: from 0, and at least 0-5 % when no search misses.
    ax.set_ylim(0.0, max(5.0, ax.get_ylim()[1]))
    ax.set_xlabel("FPIR (%) (thresholds from the baseline's non-mated searches)")
    ax.set_ylabel("FNIR (%) at rank 1")
    ax.set_title("Open-set identification")
    finish_figure(fig, ax, png, pdf)
