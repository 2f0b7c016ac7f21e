"""Skin-tone tables and figures of one (dataset, protocol): the subjects' ITA groups and
the dataset's group distribution, the colour shift each colouriser causes per group, and
per recognition system the differential performance across groups (docs/metrics.md,
"Skin tone and demographic differentials"). The numbers come from
:mod:`colourfr.metrics.differential` and :mod:`colourfr.metrics.colour_shift`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from colourfr.metrics.colour_shift import per_image_shift
from colourfr.reporting.numbers import fixed, with_interval


def _interval(row: Mapping[str, object], key: str, scale: float = 100.0, digits: int = 2) -> str:
    return with_interval(
        row.get(key), row.get(f"{key}_low"), row.get(f"{key}_high"), scale=scale, digits=digits
    )


def _write_pair(
    full: pd.DataFrame,
    readable: pd.DataFrame,
    paths: tuple[str | os.PathLike[str], str | os.PathLike[str], str | os.PathLike[str]],
    caption: str,
    label: str,
    after: str = "",
) -> None:
    """Every field as CSV; the formatted table (numbers kept as formatted) as Markdown and
    LaTeX with ``caption``; ``after``: more Markdown below the table."""
    from colourfr.io.tables import markdown, write_table

    csv, md, tex = paths
    write_table(full, csv=csv)
    text = f"{caption}\n\n{markdown(readable, numparse=False)}{after}"
    write_table(readable, md=md, tex=tex, caption=caption, markdown_text=text, label=label)


def write_skin_tone_tables(
    distribution: pd.DataFrame,
    shift: pd.DataFrame,
    convention: str,
    paths: Mapping[str, str | os.PathLike[str]],
) -> None:

    shown = distribution.assign(subjects_pct=distribution["subjects_pct"].map(lambda v: f"{v:.1f}"))
    caption = (
        f"Subjects per skin-tone group (ITA of the reference image in original colour; "
        f"bins: {convention}). Groups of fewer than five subjects are flagged."
    )
    groups_paths = (paths["groups_csv"], paths["groups_md"], paths["groups_tex"])
    _write_pair(distribution, shown, groups_paths, caption, "tab:skin-tone-groups")
    readable = pd.DataFrame(
        {
            "colouriser": shift["colouriser"],
            "group": shift["group"],
            "images": shift["images"],
            "subjects": shift["subjects"],
            "ITA original": shift["ita_original"].map(lambda v: fixed(v, 1)),
            "ITA colourised": shift["ita_colourised"].map(lambda v: fixed(v, 1)),
            "ΔITA (°)": [_interval(r, "delta_ita", 1.0, 1) for r in shift.to_dict("records")],
            "Δhue (°)": [_interval(r, "delta_hue", 1.0, 1) for r in shift.to_dict("records")],
            "ΔL*": [_interval(r, "delta_L", 1.0, 1) for r in shift.to_dict("records")],
            "CIEDE2000": [_interval(r, "ciede2000", 1.0, 1) for r in shift.to_dict("records")],
            "flag": shift["flag"],
        }
    )
    caption = (
        "Colour shift per colouriser and skin-tone group: colourised minus original, in the "
        "same cheek and forehead region (mean [95 % subject-bootstrap interval]). Negative "
        "ΔITA: darker or yellower skin; positive: lighter. Images and subjects: those with a "
        "defined ΔITA (an original without colour, b* = 0, has none)."
    )
    shift_paths = (paths["shift_csv"], paths["shift_md"], paths["shift_tex"])
    _write_pair(shift, readable, shift_paths, caption, "tab:skin-tone-shift")


def write_differential_tables(
    rows: pd.DataFrame,
    summary: pd.DataFrame,
    fmr: float,
    threshold: float | None,
    paths: Mapping[str, str | os.PathLike[str]],
    alpha: float = 0.5,
) -> None:
    from colourfr.io.tables import markdown, write_table

    records = rows.to_dict("records")
    readable = pd.DataFrame(
        {
            "scenario": rows["label"],
            "group": rows["group"],
            "subjects": rows["n_subjects"],
            "genuine": rows["n_genuine"],
            "FTA (%)": [_interval(r, "fta") for r in records],
            "FNMR (%)": [_interval(r, "fnmr") for r in records],
            "FRR (%)": [_interval(r, "frr") for r in records],
            "impostors": rows["n_impostor"],
            "FMR (%)": [_interval(r, "fmr") for r in records],
            "flag": rows["flag"],
        }
    )
    measures = pd.DataFrame(
        {
            "scenario": summary["label"],
            "groups": summary["groups_compared"],
            "FNMR max/min": summary["fnmr_max_min_ratio"].map(lambda v: fixed(v, 2)),
            "FMR max/min": summary["fmr_max_min_ratio"].map(lambda v: fixed(v, 2)),
            "FDR": summary["fdr"].map(lambda v: fixed(v, 4)),
            "GARBE": summary["garbe"].map(lambda v: fixed(v, 4)),
        }
    )
    t = "undefined" if threshold is None else f"{threshold:.6g}"
    caption = (
        f"Performance per skin-tone group at the baseline threshold T = {t} (FMR "
        f"{100 * fmr:g} % over all impostors of the baseline scenario); FMR within each group "
        "from the baseline's impostor pairs of that group (the only scenario with impostors: "
        "every scenario shows and uses the baseline's); 95 % subject-bootstrap intervals. "
        "Across groups (named groups only): max/min ratios (— when the smallest rate is 0), "
        f"fairness discrepancy rate FDR (1 = equal) and GARBE (0 = equal), alpha = {alpha:g}."
    )
    write_table(summary, csv=paths["summary_csv"])
    after = f"\nAcross groups:\n\n{markdown(measures, numparse=False)}"
    table_paths = (paths["rows_csv"], paths["md"], paths["tex"])
    _write_pair(rows, readable, table_paths, caption, "tab:differential", after)


def plot_ita(
    tones: pd.DataFrame, colourised_variants: Mapping[str, str], *paths: str | os.PathLike[str]
) -> None:
    """Original vs colourised ITA per colouriser (one panel each; identity line)."""
    from colourfr.io.figures import pyplot, save_figures

    plt = pyplot()

    names = list(colourised_variants) or ["(no colouriser)"]
    figure, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 4.2), squeeze=False)
    for axis, name in zip(axes[0], names):
        if name in colourised_variants:
            shift = per_image_shift(tones, colourised_variants[name])
            axis.scatter(
                shift["ita_original"], shift["ita_colourised"], s=6, alpha=0.5, color="#0072B2"
            )
        axis.plot([-90, 90], [-90, 90], color="0.5", linewidth=0.8, linestyle="--")
        axis.set_xlim(-90, 90)
        axis.set_ylim(-90, 90)
        axis.set_xlabel("ITA of the original (°)")
        axis.set_ylabel("ITA colourised (°)")
        axis.set_title(name)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    save_figures(figure, *paths)
    plt.close(figure)


def _plot_by_group(
    frame: pd.DataFrame,
    series_column: str,
    value: str,
    scale: float,
    subjects: Mapping[str, int],
    texts: tuple[str, str],
    paths: Sequence[str | os.PathLike[str]],
) -> None:
    """Per group (x) one marker per series with its interval (``value``, ``value_low``,
    ``value_high`` columns, times ``scale``); x labels carry the group's subject count."""
    from colourfr.io.figures import pyplot, save_figures

    plt = pyplot()
    from colourfr.reporting.styles import MARKERS, PALETTE

    groups = list(dict.fromkeys(frame["group"]))
    series = list(dict.fromkeys(frame[series_column]))
    figure, axis = plt.subplots(figsize=(1.1 * max(len(groups), 4) + 2, 4))
    width = 0.8 / max(1, len(series))
    for k, name in enumerate(series):
        rows = frame[frame[series_column] == name].set_index("group").reindex(groups)
        x = np.arange(len(groups)) + (k - (len(series) - 1) / 2) * width
        mean = scale * pd.to_numeric(rows[value], errors="coerce").to_numpy(float)
        low = scale * rows[f"{value}_low"].to_numpy(float)
        high = scale * rows[f"{value}_high"].to_numpy(float)
        error = np.vstack([np.nan_to_num(mean - low), np.nan_to_num(high - mean)])
        marker, colour = MARKERS[k % len(MARKERS)], PALETTE[k % len(PALETTE)]
        axis.errorbar(x, mean, yerr=error, fmt=marker, color=colour, capsize=3, label=name)
    axis.axhline(0.0, color="0.4", linewidth=0.8)
    labels = [f"{g}\n(n={int(subjects.get(g, 0))})" for g in groups]
    axis.set_xticks(range(len(groups)), labels=labels, fontsize=8)
    axis.set_ylabel(texts[0])
    axis.set_title(texts[1])
    axis.grid(axis="y", alpha=0.3)
    if series:
        axis.legend(fontsize=7)
    figure.tight_layout()
    save_figures(figure, *paths)
    plt.close(figure)


def plot_delta_ita(shift: pd.DataFrame, *paths: str | os.PathLike[str]) -> None:
    """Mean delta ITA with its interval per group, one marker series per colouriser."""
    part = shift[shift["group"] != "all"]
    subjects = part.groupby("group")["subjects"].max().to_dict()
    texts = (
        "ΔITA colourised − original (°)",
        "Skin-tone shift by group (95 % subject-bootstrap intervals)",
    )
    _plot_by_group(part, "colouriser", "delta_ita", 1.0, subjects, texts, paths)


def plot_differential(rows: pd.DataFrame, *paths: str | os.PathLike[str]) -> None:
    """FNMR per group, one marker series per scenario, with intervals."""
    subjects = rows.groupby("group")["n_subjects"].max().to_dict()
    texts = ("FNMR at the baseline threshold (%)", "FNMR by skin-tone group")
    _plot_by_group(rows, "label", "fnmr", 100.0, subjects, texts, paths)
