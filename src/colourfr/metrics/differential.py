"""Differential performance across demographic groups (ISO/IEC 19795-10 style).

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

from colourfr.metrics.rates import genuine_outcome

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
