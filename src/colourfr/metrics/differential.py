"""Differential performance across demographic groups (ISO/IEC 19795-10 style), and the
skin-tone groups it is measured on.

Per group, at one global threshold T (the baseline scenario's, as for every other rate):
FTA, FNMR and FRR of the group's genuine comparisons (the probe's subject is in the group)
and FMR of the impostor comparisons whose reference and probe subjects are both in the
group. "Accept" means score < T, as everywhere in colourfr.

Summaries across the groups with a defined rate (docs/metrics.md, "Demographic
differentials", cites the sources):

* max/min ratio of FNMR and of FMR (NaN when the smallest rate is 0: the ratio is then
  unbounded and the table shows the counts instead);
* the fairness discrepancy rate (de Freitas Pereira and Marcel, 2022)
  FDR(T) = 1 - (alpha * A(T) + (1 - alpha) * B(T)), A = max |FMR_i - FMR_j|,
  B = max |FNMR_i - FNMR_j| over pairs of groups; 1 is perfectly fair;
* GARBE, the Gini aggregation rate for biometric equitability (Howard et al., 2022)
  GARBE(T) = alpha * G_FMR + (1 - alpha) * G_FNMR with the bias-corrected Gini
  coefficient G_x = n / (n - 1) * sum_i sum_j |x_i - x_j| / (2 n^2 mean(x)); 0 is perfectly
  fair.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colourfr.metrics.bootstrap import (
    BootstrapSettings,
    percentile_interval,
    resampled_subject_counts,
)
from colourfr.metrics.rates import genuine_outcome
from colourfr.protocol import protocol_subjects
from colourfr.skin_tone import UNKNOWN_GROUP, ItaBin, subject_groups

#: Groups with fewer subjects than this get no bootstrap interval and are flagged.
MIN_SUBJECTS_FOR_INTERVAL = 5


@dataclass(frozen=True)
class GroupRates:
    group: str
    n_subjects: int
    n_genuine: int
    n_genuine_valid: int
    fta: float | None
    fnmr: float | None
    frr: float | None
    n_impostor: int
    fmr: float | None


def group_rates(
    scores: pd.DataFrame,
    subject_group: Mapping[str, str],
    threshold: float | None,
    groups: Sequence[str] | None = None,
) -> list[GroupRates]:
    """Rates per group. ``scores`` has ``reference_subject, probe_subject, genuine, score``
    (NaN score = failure to acquire); a subject missing from ``subject_group`` counts as
    'unknown'. Every group in ``groups`` gets a row, with zero counts when it is empty."""
    reference_group = scores["reference_subject"].astype(str).map(subject_group).fillna("unknown")
    probe_group = scores["probe_subject"].astype(str).map(subject_group).fillna("unknown")
    genuine = scores["genuine"].astype(bool).to_numpy()
    values = scores["score"].to_numpy(dtype=np.float64)
    subjects_in: dict[str, set[str]] = {}
    for subject, group in subject_group.items():
        subjects_in.setdefault(group, set()).add(subject)
    names = list(groups) if groups is not None else sorted(set(subject_group.values()))
    rows = []
    for name in names:
        in_probe = (probe_group == name).to_numpy()
        outcome = genuine_outcome(values[genuine & in_probe], threshold)
        within = in_probe & (reference_group == name).to_numpy() & ~genuine
        impostors = values[within]
        impostors = impostors[np.isfinite(impostors)]
        fmr = None
        if threshold is not None and impostors.size:
            fmr = float(np.count_nonzero(impostors < threshold)) / impostors.size
        rows.append(
            GroupRates(
                group=name,
                n_subjects=len(subjects_in.get(name, ())),
                n_genuine=outcome.n_genuine,
                n_genuine_valid=outcome.n_genuine_valid,
                fta=outcome.fta,
                fnmr=outcome.fnmr,
                frr=outcome.frr,
                n_impostor=int(impostors.size),
                fmr=fmr,
            )
        )
    return rows


def _defined(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def max_min_ratio(rates: Sequence[float | None]) -> float:
    """Largest over smallest defined rate; NaN with fewer than two rates or a zero minimum."""
    defined = _defined(rates)
    if len(defined) < 2 or min(defined) == 0.0:
        return math.nan
    return max(defined) / min(defined)


def max_pairwise_difference(rates: Sequence[float | None]) -> float:
    defined = _defined(rates)
    if len(defined) < 2:
        return math.nan
    return max(defined) - min(defined)


def fairness_discrepancy_rate(
    fmrs: Sequence[float | None], fnmrs: Sequence[float | None], alpha: float = 0.5
) -> float:
    """FDR = 1 - (alpha * max|dFMR| + (1 - alpha) * max|dFNMR|)."""
    a = max_pairwise_difference(fmrs)
    b = max_pairwise_difference(fnmrs)
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return 1.0 - (alpha * a + (1.0 - alpha) * b)


def gini(values: Sequence[float | None]) -> float:
    """Bias-corrected Gini coefficient n/(n-1) * sum|x_i - x_j| / (2 n^2 mean); 0 when all
    rates are 0 (perfectly equal), NaN with fewer than two rates."""
    x = np.asarray(_defined(values), dtype=np.float64)
    n = x.size
    if n < 2:
        return math.nan
    mean = x.mean()
    if mean == 0.0:
        return 0.0
    spread = np.abs(x[:, None] - x[None, :]).sum()
    return float(n / (n - 1) * spread / (2.0 * n * n * mean))


def garbe(fmrs: Sequence[float | None], fnmrs: Sequence[float | None], alpha: float = 0.5) -> float:
    """GARBE = alpha * Gini(FMR) + (1 - alpha) * Gini(FNMR)."""
    a, b = gini(fmrs), gini(fnmrs)
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return alpha * a + (1.0 - alpha) * b


def differential_summary(
    rates: Sequence[GroupRates], alpha: float = 0.5, exclude: Sequence[str] = ("unknown",)
) -> dict[str, float]:
    """The across-group measures over the named groups (never 'unknown')."""
    kept = [r for r in rates if r.group not in exclude]
    fmrs = [r.fmr for r in kept]
    fnmrs = [r.fnmr for r in kept]
    return {
        "fnmr_max_min_ratio": max_min_ratio(fnmrs),
        "fmr_max_min_ratio": max_min_ratio(fmrs),
        "fdr": fairness_discrepancy_rate(fmrs, fnmrs, alpha),
        "garbe": garbe(fmrs, fnmrs, alpha),
    }


# -- skin-tone groups ------------------------------------------------------------------------
# Intervals are subject-bootstrap percentile intervals (subjects resampled with replacement
# within the group, seeded); a group with fewer than ``settings.min_subjects`` subjects gets
# its counts and a flag, never an interval, and is never hidden.

FLAG_TOO_SMALL = "too few subjects for an interval"


FLAG_EMPTY = "no subject"


def size_flag(n_subjects: int, minimum: int) -> str:
    """The flag of a group's row: empty groups have no interval to doubt."""
    if n_subjects == 0:
        return FLAG_EMPTY
    return FLAG_TOO_SMALL if n_subjects < minimum else ""


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
    groups: pd.DataFrame, subject_of: pd.Series, bins: Sequence[ItaBin], settings: BootstrapSettings
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
                "flag": size_flag(n_subjects, settings.min_subjects),
            }
        )
    return pd.DataFrame(rows)


def _rate_intervals(
    part: pd.DataFrame, members: Sequence[str], threshold: float | None, settings: BootstrapSettings
) -> dict[str, tuple[float, float]]:
    """Subject-bootstrap intervals of FTA, FNMR, FRR and within-group FMR of one group
    (``members``: its subjects; ``part``: reference_subject, probe_subject, genuine, score
    of the comparisons whose probe subject is a member)."""
    subjects = pd.Index(sorted(members))
    n = len(subjects)
    empty = {k: (math.nan, math.nan) for k in ("fta", "fnmr", "frr", "fmr")}
    if n < settings.min_subjects or settings.replicates <= 0 or threshold is None:
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
    rng = np.random.default_rng(settings.seed)
    values: dict[str, list[float]] = {k: [] for k in empty}
    for _ in range(settings.replicates):
        w = resampled_subject_counts(rng, n).astype(np.float64)
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
    return {k: percentile_interval(v, settings.confidence).bounds() for k, v in values.items()}


def differential_tables(
    scores: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    subject_of: pd.Series,
    groups: pd.DataFrame,
    bins: Sequence[ItaBin],
    threshold: float | None,
    baseline: str,
    settings: BootstrapSettings,
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
            intervals = _rate_intervals(frame[in_group], members, threshold, settings)
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
            row["flag"] = size_flag(rate.n_subjects, settings.min_subjects)
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
