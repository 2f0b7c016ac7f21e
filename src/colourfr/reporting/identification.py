"""Identification results of one (dataset, protocol, system): the table in the layout of
Table 3 (rank-1, FNIR at each FPIR target, both FTA rates, subject-bootstrap intervals),
paired McNemar tests of rank-1 hits (greyscale against colourised), CMC and FNIR-versus-
FPIR figures. Thresholds come from the baseline scenario's open-set non-mated searches
and are reused in every scenario."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from colourfr.identification import closed_set, open_set
from colourfr.io.figures import pyplot, save_figures
from colourfr.io.tables import latex, markdown, write_table
from colourfr.metrics.bootstrap import _percentile_interval, _weighted_threshold
from colourfr.metrics.identification import Searches, cmc, fnir, fpir_thresholds
from colourfr.metrics.paired import mcnemar_test
from colourfr.reporting.numbers import percent
from colourfr.reporting.styles import curve_styles


def _weighted_rates(
    closed: Searches,
    opened: Searches,
    weights_closed: np.ndarray,
    weights_open: np.ndarray,
    threshold: float | None,
) -> tuple[float, float | None]:
    """(rank-1, FNIR at T) with every search counted ``weight`` times."""
    mated = closed.mated
    total = float((weights_closed * mated).sum())
    rank1 = (
        float((weights_closed * (mated & (closed.rank == 1))).sum() / total) if total else math.nan
    )
    if threshold is None:
        return rank1, None
    mated_open = opened.mated
    total_open = float((weights_open * mated_open).sum())
    hits = mated_open & (opened.rank == 1) & (opened.mate_score < threshold)
    return rank1, (1.0 - float((weights_open * hits).sum()) / total_open) if total_open else None


def _weighted_fpir_threshold(opened: Searches, weights: np.ndarray, target: float) -> float | None:
    non_mated = ~opened.mated & np.isfinite(opened.minimum)
    minima = opened.minimum[non_mated]
    order = np.argsort(minima, kind="stable")
    counts = weights[non_mated][order].astype(np.int64)
    return _weighted_threshold(minima[order], np.cumsum(counts), target)


def identification_results(
    tables: Mapping[str, pd.DataFrame],
    baseline: str,
    fpir_targets: Sequence[float],
    max_rank: int,
    replicates: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Per scenario and FPIR target: rank-1, FNIR, threshold, achieved FPIR, FTA rates and
    intervals (subject bootstrap: subjects drawn with replacement, the thresholds redrawn
    from the baseline's resampled non-mated searches in every replicate). Also returns
    the CMC of every scenario."""
    closed = {name: closed_set(t) for name, t in tables.items()}
    opened = {name: open_set(t) for name, t in tables.items()}
    thresholds = fpir_thresholds(opened[baseline], fpir_targets)
    subjects = {name: t["probe_subject"].to_numpy(dtype=str) for name, t in tables.items()}
    everyone = np.unique(np.concatenate(list(subjects.values())))
    codes = {name: np.searchsorted(everyone, s) for name, s in subjects.items()}
    rng = np.random.default_rng(seed)
    draws = [np.bincount(rng.integers(0, everyone.size, everyone.size), minlength=everyone.size)
             for _ in range(replicates)]  # fmt: skip
    replicate_thresholds = [
        [_weighted_fpir_threshold(opened[baseline], d[codes[baseline]], t) for t in fpir_targets]
        for d in draws
    ]
    curves = {name: cmc(closed[name], max_rank) for name in tables}
    rows = []
    for name in tables:
        c, o = closed[name], opened[name]
        boot = [
            [_weighted_rates(c, o, d[codes[name]], d[codes[name]], t) for t in ts]
            for d, ts in zip(draws, replicate_thresholds)
        ]
        for j, threshold in enumerate(thresholds):
            rank1_ci = _percentile_interval([b[j][0] for b in boot], confidence)
            fnir_ci = _percentile_interval([b[j][1] for b in boot], confidence)
            rows.append(
                {
                    "scenario": name,
                    "fpir_target": threshold.fmr_target,
                    "threshold": threshold.threshold,
                    "fpir": threshold.achieved_fmr,
                    "rank1": float(curves[name][0]) if c.n_mated else math.nan,
                    "rank1_low": rank1_ci.low,
                    "rank1_high": rank1_ci.high,
                    "fnir": fnir(o, threshold.threshold),
                    "fnir_low": fnir_ci.low,
                    "fnir_high": fnir_ci.high,
                    "n_mated": c.n_mated,
                    "fta_mated": c.n_mated_failed / c.n_mated if c.n_mated else math.nan,
                    "n_non_mated": o.n_non_mated,
                    "fta_non_mated": o.n_non_mated_failed / o.n_non_mated
                    if o.n_non_mated
                    else math.nan,
                }
            )
    return pd.DataFrame(rows), curves


def rank1_mcnemar(
    tables: Mapping[str, pd.DataFrame], pairs: Sequence[tuple[str, str]]
) -> pd.DataFrame:
    """Exact McNemar tests of rank-1 misses (a failed search misses) on the same probes."""
    rows = []
    for a, b in pairs:
        if a not in tables or b not in tables:
            continue
        first = tables[a].set_index("probe")
        second = tables[b].set_index("probe").reindex(first.index)
        mated = first["mated_closed"].to_numpy(dtype=bool)
        miss_a = (first["rank_closed"].to_numpy() != 1)[mated]
        miss_b = (second["rank_closed"].to_numpy() != 1)[mated]
        test = mcnemar_test(miss_a, miss_b)
        rows.append(
            {
                "scenario_a": a,
                "scenario_b": b,
                "n_searches": test.n_pairs,
                "only_a_misses": test.only_a_rejects,
                "only_b_misses": test.only_b_rejects,
                "p_value": test.p_value,
            }
        )
    return pd.DataFrame(rows)


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
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    save_figures(fig, png, pdf)
    plt.close(fig)


def plot_fnir_fpir(
    tables: Mapping[str, pd.DataFrame],
    baseline: str,
    labels: Mapping[str, str],
    png: str | Path,
    pdf: str | Path,
) -> None:
    """FNIR at rank 1 against FPIR, thresholds swept over the baseline's non-mated minima."""
    plt = pyplot()
    base = open_set(tables[baseline])
    minima = np.sort(base.non_mated_minima)
    styles = curve_styles(list(tables))
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    if minima.size:
        candidates = np.unique(minima)
        fpir = np.searchsorted(minima, candidates, side="left") / minima.size
        for name, table in tables.items():
            searches = open_set(table)
            values = [fnir(searches, float(t)) for t in candidates]
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
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    save_figures(fig, png, pdf)
    plt.close(fig)
