"""Skin-tone tables and figures of one (dataset, protocol): the subjects' ITA groups and
the dataset's group distribution, the colour shift each colouriser causes per group, and
per recognition system the differential performance across groups (docs/metrics.md,
"Skin tone and demographic differentials").

Intervals are subject-bootstrap percentile intervals (subjects resampled with replacement
within the group, seeded); a group with fewer than ``min_subjects`` subjects gets its
counts and a flag, never an interval, and is never hidden.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colourfr.metrics.differential import GroupRates, differential_summary, group_rates
from colourfr.reporting.numbers import with_interval
from colourfr.skin_tone import UNKNOWN_GROUP, ItaBin, ciede2000, hue_difference, subject_groups

FLAG_TOO_SMALL = "too few subjects for an interval"
FLAG_EMPTY = "no subject"


def _size_flag(n_subjects: int, minimum: int) -> str:
    """The flag of a group's row: empty groups have no interval to doubt."""
    if n_subjects == 0:
        return FLAG_EMPTY
    return FLAG_TOO_SMALL if n_subjects < minimum else ""


_MEASURES = ("delta_ita", "delta_hue", "delta_L", "ciede2000")
#: Columns of the colour-shift table (also when no colouriser is enabled).
SHIFT_COLUMNS = [
    "colouriser", "group", "images", "subjects", "ita_original", "ita_colourised",
    *[f"{m}{suffix}" for m in _MEASURES for suffix in ("", "_low", "_high")],
    "flag",
]  # fmt: skip


@dataclass(frozen=True)
class BootstrapPlan:
    replicates: int = 1000
    seed: int = 20200916
    confidence: float = 0.95
    min_subjects: int = 5

    @classmethod
    def from_config(cls, bootstrap: Mapping[str, object], min_subjects: int) -> BootstrapPlan:
        """From ``metrics.bootstrap`` and ``skin_tone.min_subjects_for_interval``."""
        return cls(
            replicates=int(bootstrap["replicates"]),  # type: ignore[call-overload]
            seed=int(bootstrap["seed"]),  # type: ignore[call-overload]
            confidence=float(bootstrap["confidence"]),  # type: ignore[arg-type]
            min_subjects=int(min_subjects),
        )


def _percentile(values: np.ndarray, confidence: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return math.nan, math.nan
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high)


def subject_bootstrap_mean(
    values: Sequence[float], subjects: Sequence[str], plan: BootstrapPlan
) -> tuple[float, float, float]:
    """Mean of per-image values and its subject-bootstrap interval (NaN bounds when the
    values come from fewer than ``plan.min_subjects`` subjects)."""
    x = np.asarray(values, dtype=np.float64)
    codes, unique = pd.factorize(pd.Series(list(subjects), dtype=str))
    keep = np.isfinite(x)
    x, codes = x[keep], codes[keep]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    n = len(unique)
    if len(set(codes.tolist())) < plan.min_subjects or plan.replicates <= 0:
        return mean, math.nan, math.nan
    sums = np.bincount(codes, weights=x, minlength=n)
    counts = np.bincount(codes, minlength=n).astype(np.float64)
    rng = np.random.default_rng(plan.seed)
    weights = np.stack(
        [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(plan.replicates)]
    ).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        replicate_means = (weights @ sums) / (weights @ counts)
    low, high = _percentile(replicate_means, plan.confidence)
    return mean, low, high


# -- groups ---------------------------------------------------------------------------------


def read_protocol_images(
    references_csv: str | os.PathLike[str], probes_csv: str | os.PathLike[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A protocol's references.csv and probes.csv (image_id, subject_id as text)."""
    from colourfr.io.csv import read_csv

    return tuple(  # type: ignore[return-value]
        read_csv(path, required=("image_id", "subject_id"), dtype=str)
        for path in (references_csv, probes_csv)
    )


def protocol_subjects(references: pd.DataFrame, probes: pd.DataFrame) -> pd.Series:
    """image id -> subject id over the protocol's references and probes."""
    both = pd.concat([references, probes])[["image_id", "subject_id"]].astype(str)
    return both.drop_duplicates("image_id").set_index("image_id")["subject_id"]


def group_table(
    tones: pd.DataFrame, references: pd.DataFrame, probes: pd.DataFrame, bins: Sequence[ItaBin]
) -> pd.DataFrame:
    """One row per subject: its group and the ITA it was decided by (docs)."""
    subject_of = protocol_subjects(references, probes)
    originals = tones[(tones["variant"] == "original") & tones["image_id"].isin(subject_of.index)]
    rows = [
        {"image_id": r.image_id, "subject_id": subject_of[r.image_id], "ita": r.ita}
        for r in originals.itertuples(index=False)
    ]
    reference_of = dict(
        zip(references["subject_id"].astype(str), references["image_id"].astype(str))
    )
    groups = subject_groups(rows, reference_of, bins)
    ita_of = {row["image_id"]: row["ita"] for row in rows}
    return pd.DataFrame(
        [
            {
                "subject_id": subject,
                "group": group,
                "reference": reference_of.get(subject, ""),
                "reference_ita": ita_of.get(reference_of.get(subject, ""), math.nan),
            }
            for subject, group in sorted(groups.items())
        ]
    )


def group_names(bins: Sequence[ItaBin]) -> list[str]:
    """Bins from the highest ITA (lightest) down, then 'unknown'."""
    return [b.name for b in sorted(bins, key=lambda b: -b.upper)] + [UNKNOWN_GROUP]


def group_distribution(
    groups: pd.DataFrame, subject_of: pd.Series, bins: Sequence[ItaBin], plan: BootstrapPlan
) -> pd.DataFrame:
    """Subjects and images per group (every bin listed, empty ones with zero)."""
    images = subject_of.map(dict(zip(groups["subject_id"], groups["group"])))
    total = max(1, len(groups))
    rows = []
    for name in group_names(bins):
        n_subjects = int((groups["group"] == name).sum())
        rows.append(
            {
                "group": name,
                "subjects": n_subjects,
                "subjects_pct": 100.0 * n_subjects / total,
                "images": int((images == name).sum()),
                "flag": _size_flag(n_subjects, plan.min_subjects),
            }
        )
    return pd.DataFrame(rows)


# -- colour shift ---------------------------------------------------------------------------


def per_image_shift(tones: pd.DataFrame, variant: str) -> pd.DataFrame:
    """Per image: original and ``variant`` ITA, delta ITA, delta hue, CIEDE2000 of the
    region means (NaN where either is not measured)."""
    original = tones[tones["variant"] == "original"]
    other = tones[tones["variant"] == variant]
    joined = original.merge(other, on="image_id", suffixes=("_original", "_colourised"))
    rows = []
    for r in joined.to_dict("records"):
        image_id = r["image_id"]
        measured = pd.isna(r["failure_original"]) and pd.isna(r["failure_colourised"])
        lab_o = (r["L_original"], r["a_original"], r["b_original"])
        lab_c = (r["L_colourised"], r["a_colourised"], r["b_colourised"])
        ok = measured and all(math.isfinite(float(v)) for v in (*lab_o, *lab_c))
        rows.append(
            {
                "image_id": image_id,
                "ita_original": r["ita_original"],
                "ita_colourised": r["ita_colourised"],
                "delta_ita": r["ita_colourised"] - r["ita_original"] if ok else math.nan,
                "delta_hue": hue_difference(r["hue_colourised"], r["hue_original"])
                if ok and math.isfinite(r["hue_colourised"]) and math.isfinite(r["hue_original"])
                else math.nan,
                "delta_L": r["L_colourised"] - r["L_original"] if ok else math.nan,
                "ciede2000": ciede2000(lab_o, lab_c) if ok else math.nan,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "image_id",
            "ita_original",
            "ita_colourised",
            "delta_ita",
            "delta_hue",
            "delta_L",
            "ciede2000",
        ],
    )


def colour_shift_table(
    tones: pd.DataFrame,
    subject_of: pd.Series,
    groups: pd.DataFrame,
    colourised_variants: Mapping[str, str],
    bins: Sequence[ItaBin],
    plan: BootstrapPlan,
) -> pd.DataFrame:
    """Per colouriser and group (and 'all'): mean and interval of delta ITA, delta hue,
    delta L* and CIEDE2000 (``colourised_variants``: colouriser -> variant name)."""
    group_of_subject = dict(zip(groups["subject_id"], groups["group"]))
    rows = []
    for colouriser, variant in colourised_variants.items():
        shifts = per_image_shift(tones, variant)
        shifts = shifts[shifts["image_id"].isin(subject_of.index)]
        shifts["subject_id"] = shifts["image_id"].map(subject_of)
        shifts["group"] = shifts["subject_id"].map(group_of_subject).fillna(UNKNOWN_GROUP)
        for name in [*group_names(bins), "all"]:
            part = shifts if name == "all" else shifts[shifts["group"] == name]
            valid = part[np.isfinite(part["delta_ita"].to_numpy(dtype=float))]
            n_subjects = int(valid["subject_id"].nunique())
            if name != "all" and not (groups["group"] == name).any():
                continue  # an empty bin: listed in the group distribution only
            row: dict[str, object] = {
                "colouriser": colouriser,
                "group": name,
                "images": len(valid),
                "subjects": n_subjects,
                "ita_original": float(valid["ita_original"].mean()) if len(valid) else math.nan,
                "ita_colourised": float(valid["ita_colourised"].mean()) if len(valid) else math.nan,
            }
            for column in _MEASURES:
                mean, low, high = subject_bootstrap_mean(
                    part[column].tolist(), part["subject_id"].tolist(), plan
                )
                row.update({column: mean, f"{column}_low": low, f"{column}_high": high})
            row["flag"] = _size_flag(n_subjects, plan.min_subjects)
            rows.append(row)
    return pd.DataFrame(rows, columns=SHIFT_COLUMNS)


# -- differential performance --------------------------------------------------------------


def _rate_intervals(
    part: pd.DataFrame, members: Sequence[str], threshold: float | None, plan: BootstrapPlan
) -> dict[str, tuple[float, float]]:
    """Subject-bootstrap intervals of FTA, FNMR, FRR and within-group FMR of one group
    (``members``: its subjects; ``part``: reference_subject, probe_subject, genuine, score
    of the comparisons whose probe subject is a member)."""
    subjects = pd.Index(sorted(members))
    n = len(subjects)
    empty = {k: (math.nan, math.nan) for k in ("fta", "fnmr", "frr", "fmr")}
    if n < plan.min_subjects or plan.replicates <= 0 or threshold is None:
        return empty
    part = part[part["genuine"].astype(bool) | part["reference_subject"].isin(subjects)]
    genuine = part[part["genuine"].astype(bool)]
    impostor = part[~part["genuine"].astype(bool) & np.isfinite(part["score"].to_numpy(float))]
    g_code = subjects.get_indexer(genuine["probe_subject"])
    g_score = genuine["score"].to_numpy(float)
    g_failed = ~np.isfinite(g_score)
    g_reject = np.where(g_failed, False, g_score >= threshold)
    i_ref = subjects.get_indexer(impostor["reference_subject"])
    i_probe = subjects.get_indexer(impostor["probe_subject"])
    i_accept = impostor["score"].to_numpy(float) < threshold
    rng = np.random.default_rng(plan.seed)
    values: dict[str, list[float]] = {k: [] for k in empty}
    for _ in range(plan.replicates):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        gw = w[g_code]
        total = gw.sum()
        fta = (gw * g_failed).sum() / total if total else math.nan
        valid = (gw * ~g_failed).sum()
        fnmr = (gw * g_reject).sum() / valid if valid else math.nan
        frr = 1.0 if fta == 1.0 else fta + fnmr * (1.0 - fta)
        iw = w[i_ref] * w[i_probe]
        fmr = (iw * i_accept).sum() / iw.sum() if iw.sum() else math.nan
        for key, value in zip(("fta", "fnmr", "frr", "fmr"), (fta, fnmr, frr, fmr)):
            values[key].append(float(value))
    return {k: _percentile(np.asarray(v), plan.confidence) for k, v in values.items()}


def differential_tables(
    scores: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    subject_of: pd.Series,
    groups: pd.DataFrame,
    bins: Sequence[ItaBin],
    threshold: float | None,
    baseline: str,
    plan: BootstrapPlan,
    alpha: float = 0.5,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per scenario x group rates (with intervals and flags) and per scenario the
    across-group measures. FMR per group is measured in the baseline scenario (the only
    one with impostors) and reused by every scenario's FDR and GARBE, as its threshold is."""
    subject_group = dict(zip(groups["subject_id"].astype(str), groups["group"]))
    names = group_names(bins)
    baseline_fmr: dict[str, float | None] = {}
    baseline_impostors: dict[str, int] = {}
    baseline_fmr_interval: dict[str, tuple[float, float]] = {}
    rows, summaries = [], []
    for scenario in [baseline, *[s for s in scores if s != baseline]]:
        frame = scores[scenario].copy()
        frame["reference_subject"] = frame["reference"].astype(str).map(subject_of)
        frame["probe_subject"] = frame["probe"].astype(str).map(subject_of)
        rates = group_rates(frame, subject_group, threshold, groups=names)
        if scenario == baseline:
            baseline_fmr = {r.group: r.fmr for r in rates}
            baseline_impostors = {r.group: r.n_impostor for r in rates}
        rates = [
            GroupRates(**{**r.__dict__, "fmr": baseline_fmr.get(r.group)})
            if scenario != baseline
            else r
            for r in rates
        ]
        for rate in rates:
            if rate.n_subjects == 0:
                continue  # an empty bin: listed in the group distribution only
            members = [subject for subject, g in subject_group.items() if g == rate.group]
            in_group = frame["probe_subject"].isin(members)
            intervals = _rate_intervals(frame[in_group], members, threshold, plan)
            row: dict[str, object] = {
                "scenario": scenario,
                "label": labels.get(scenario, scenario),
                **rate.__dict__,
            }
            if scenario != baseline:
                row["n_impostor"] = baseline_impostors.get(rate.group, 0)
            for key, (low, high) in intervals.items():
                if key == "fmr" and scenario != baseline:
                    low, high = baseline_fmr_interval.get(rate.group, (math.nan, math.nan))
                row.update({f"{key}_low": low, f"{key}_high": high})
            if scenario == baseline:
                baseline_fmr_interval[rate.group] = intervals["fmr"]
            row["flag"] = _size_flag(rate.n_subjects, plan.min_subjects)
            rows.append(row)
        summaries.append(
            {
                "scenario": scenario,
                "label": labels.get(scenario, scenario),
                "groups_compared": sum(
                    1 for r in rates if r.group != UNKNOWN_GROUP and r.fnmr is not None
                ),
                **differential_summary(rates, alpha),
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(summaries)


# -- output ---------------------------------------------------------------------------------


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
            "ITA original": shift["ita_original"].map(
                lambda v: f"{v:.1f}" if math.isfinite(v) else "—"
            ),
            "ITA colourised": shift["ita_colourised"].map(
                lambda v: f"{v:.1f}" if math.isfinite(v) else "—"
            ),
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
            "FNMR max/min": summary["fnmr_max_min_ratio"].map(
                lambda v: f"{v:.2f}" if math.isfinite(v) else "—"
            ),
            "FMR max/min": summary["fmr_max_min_ratio"].map(
                lambda v: f"{v:.2f}" if math.isfinite(v) else "—"
            ),
            "FDR": summary["fdr"].map(lambda v: f"{v:.4f}" if math.isfinite(v) else "—"),
            "GARBE": summary["garbe"].map(lambda v: f"{v:.4f}" if math.isfinite(v) else "—"),
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
