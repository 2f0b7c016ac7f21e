"""Does a treatment (colourisation) change the false reject rate? Paired effects on the
same genuine comparisons, with intervals, a test and a verdict that can say "equivalent".

Two scenarios that share their genuine (reference, probe) pairs, at one threshold (from the
baseline's impostors, as :mod:`colourfr.metrics.thresholds` sets it), give each pair two
outcomes: rejected or accepted, a failure to acquire counting as a rejection (as in FRR).

- ``delta_frr = FRR(treatment) - FRR(control)``, a fraction; negative: the treatment
  rejects fewer genuine comparisons.
- Its interval: the percentile interval of a paired bootstrap over reference subjects:
  subjects are resampled with replacement, each carrying all its pairs and both outcomes
  of each pair, so that the pairing and the dependence of one subject's comparisons are
  kept.
- ``p_mcnemar``: exact two-sided McNemar test on the discordant pairs.
- The verdict (:func:`verdict`), from the interval and an equivalence margin ``m``:
  ``better`` when the interval lies below 0, ``worse`` when it lies above 0,
  ``equivalent`` when it lies within ``[-m, +m]`` and the data could have detected an
  effect of ``m`` (``detectable_delta <= m``), ``inconclusive`` otherwise. An interval
  inside the margin is the only evidence of no effect: a large p-value alone is not (it
  is as likely from too little data). This is the two one-sided tests procedure read from
  the interval (at confidence 1 - 2a it is TOST at level a), with a power condition: a
  bootstrap interval of zero width (no discordant pair among a few) would otherwise claim
  equivalence on four comparisons.
- ``detectable_delta``: the smallest |delta FRR| the data could detect with 80 % power
  at the interval's level, ``(z_{1-a/2} + z_{0.8}) * SE``, SE the bootstrap standard
  deviation (at least that of one discordant pair in n, ``1/n``), and
  ``pairs_for_margin``: about how many pairs would make it the margin (SE falls as
  1/sqrt(n)). An inconclusive result says how much more data would settle it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from colourfr.metrics.bootstrap import (
    BootstrapSettings,
    percentile_interval,
    subject_bootstrap_means,
)
from colourfr.metrics.paired import mcnemar_test
from colourfr.metrics.thresholds import MetricsError

#: The verdicts, in the order they are decided.
BETTER, WORSE, EQUIVALENT, INCONCLUSIVE = "better", "worse", "equivalent", "inconclusive"
#: Power the detectable effect is stated at.
POWER = 0.8
#: Default equivalence margin: half a point of FRR (docs/metrics.md, "Effects").
DEFAULT_MARGIN = 0.005
#: Field order of the CSV (every field of colourfr.metrics.effects.PairedEffect and the
#: context of the row).
CONTEXT_FIELDS = ("dataset", "protocol", "system", "colouriser", "comparison", "description")


@dataclass(frozen=True)
class PairedEffect:
    control: str
    treatment: str
    fmr_target: float
    threshold: float
    n_pairs: int
    n_subjects: int
    frr_control: float
    frr_treatment: float
    delta_frr: float
    delta_frr_ci: tuple[float, float]
    delta_fnmr: float | None
    delta_fta: float
    only_control_rejects: int
    only_treatment_rejects: int
    p_mcnemar: float
    margin: float
    confidence: float
    replicates: int
    seed: int
    detectable_delta: float
    pairs_for_margin: int | None
    verdict: str

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["delta_frr_ci"] = list(self.delta_frr_ci)
        return record


def verdict(interval: tuple[float, float], margin: float, detectable: float = 0.0) -> str:
    """better / worse / equivalent / inconclusive (see the module docstring)."""
    low, high = interval
    if high < 0:
        return BETTER
    if low > 0:
        return WORSE
    if -margin <= low and high <= margin and detectable <= margin:
        return EQUIVALENT
    return INCONCLUSIVE


def subject_bootstrap_deltas(
    differences: np.ndarray, subjects: np.ndarray, replicates: int, seed: int
) -> np.ndarray:
    """``replicates`` values of mean(difference) over pairs, each from a resample of the
    subjects with replacement (a subject drawn twice counts its pairs twice).

    ``differences``: per pair, reject(treatment) - reject(control) in {-1, 0, 1}."""
    codes, inverse = np.unique(subjects, return_inverse=True)
    settings = BootstrapSettings(replicates=replicates, seed=seed)
    return subject_bootstrap_means(differences, inverse, codes.size, settings)


def _normal_quantile(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(p))


def paired_effect(
    control: str,
    treatment: str,
    control_scores: ArrayLike,
    treatment_scores: ArrayLike,
    subjects: ArrayLike,
    threshold: float,
    fmr_target: float,
    *,
    margin: float = DEFAULT_MARGIN,
    replicates: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedEffect:
    """The paired effect of ``treatment`` against ``control`` on aligned genuine pairs:
    the scores of each pair in both (NaN: a failure to acquire), the reference subject of
    each pair, the baseline's threshold (accept iff score < threshold)."""
    a = np.asarray(control_scores, dtype=np.float64).ravel()
    b = np.asarray(treatment_scores, dtype=np.float64).ravel()
    groups = np.asarray(subjects).astype(str).ravel()
    if not (a.size == b.size == groups.size):
        raise MetricsError(
            f"paired effect: {a.size} control and {b.size} treatment scores for "
            f"{groups.size} subjects"
        )
    if a.size == 0:
        raise MetricsError("paired effect: no genuine pairs")
    if replicates < 1:
        raise MetricsError(f"paired effect: replicates must be >= 1, got {replicates}")
    if not 0.0 < confidence < 1.0:
        raise MetricsError(f"paired effect: confidence must lie in (0, 1), got {confidence}")
    if margin < 0:
        raise MetricsError(f"paired effect: the margin must be >= 0, got {margin}")
    fta_a, fta_b = ~np.isfinite(a), ~np.isfinite(b)
    reject_a = fta_a | (np.nan_to_num(a, nan=np.inf) >= threshold)
    reject_b = fta_b | (np.nan_to_num(b, nan=np.inf) >= threshold)
    n = a.size
    differences = reject_b.astype(np.float64) - reject_a.astype(np.float64)
    delta = float(differences.mean())
    deltas = subject_bootstrap_deltas(differences, groups, replicates, seed)
    interval = percentile_interval(deltas, confidence).bounds()
    tests = mcnemar_test(reject_a, reject_b)
    standard_error = max(float(np.std(deltas, ddof=1)) if replicates > 1 else 0.0, 1.0 / n)
    z = _normal_quantile(1.0 - (1.0 - confidence) / 2.0) + _normal_quantile(POWER)
    detectable = z * standard_error
    pairs_for_margin = math.ceil(n * (detectable / margin) ** 2) if margin > 0 else None

    def fnmr(rejects: np.ndarray, failed: np.ndarray) -> float | None:
        valid = ~failed
        return float(rejects[valid].mean()) if valid.any() else None

    fnmr_a, fnmr_b = fnmr(reject_a, fta_a), fnmr(reject_b, fta_b)
    return PairedEffect(
        control=control,
        treatment=treatment,
        fmr_target=float(fmr_target),
        threshold=float(threshold),
        n_pairs=int(n),
        n_subjects=int(np.unique(groups).size),
        frr_control=float(reject_a.mean()),
        frr_treatment=float(reject_b.mean()),
        delta_frr=delta,
        delta_frr_ci=interval,
        delta_fnmr=None if fnmr_a is None or fnmr_b is None else fnmr_b - fnmr_a,
        delta_fta=float(fta_b.mean() - fta_a.mean()),
        only_control_rejects=tests.only_a_rejects,
        only_treatment_rejects=tests.only_b_rejects,
        p_mcnemar=tests.p_value,
        margin=float(margin),
        confidence=float(confidence),
        replicates=int(replicates),
        seed=int(seed),
        detectable_delta=float(detectable),
        pairs_for_margin=pairs_for_margin,
        verdict=verdict(interval, margin, detectable),
    )


def holm(p_values: ArrayLike) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (same order as given)."""
    p = np.asarray(p_values, dtype=np.float64).ravel()
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (m - rank) * p[index])
        adjusted[index] = min(1.0, running)
    return adjusted


def compute_effects(
    jobs: Sequence[Mapping[str, Any]],
    *,
    fmr: float,
    margin: float,
    replicates: int,
    seed: int,
    confidence: float,
) -> list[dict[str, Any]]:
    """The records of every job (context, the control, treatment and baseline score
    files), with Holm-adjusted p-values across all of them. Each baseline's threshold is
    read once; a job whose baseline has no threshold at ``fmr`` is left out."""
    from colourfr.metrics.thresholds import threshold_at_fmr
    from colourfr.scores import paired_genuine_scores, read_scores, require_impostors

    frames: dict[str, pd.DataFrame] = {}

    def frame(path: str) -> pd.DataFrame:
        if path not in frames:
            frames[path] = read_scores(path)
        return frames[path]

    thresholds: dict[str, Any] = {}
    records = []
    for job in jobs:
        baseline = str(job["baseline_file"])
        if baseline not in thresholds:
            thresholds[baseline] = threshold_at_fmr(
                require_impostors(frame(baseline), baseline), fmr
            )
        threshold = thresholds[baseline]
        if threshold.threshold is None:
            continue
        control, treatment = str(job["control_file"]), str(job["treatment_file"])
        scores_a, scores_b, subjects = paired_genuine_scores(
            frame(control), control, frame(treatment), treatment
        )
        effect = paired_effect(
            str(job["control"]), str(job["treatment"]), scores_a, scores_b, subjects,
            threshold.threshold, fmr, margin=margin, replicates=replicates, seed=seed,
            confidence=confidence,
        )  # fmt: skip
        records.append({**{k: job[k] for k in CONTEXT_FIELDS}, **effect.as_dict()})
    for record, adjusted in zip(records, holm([r["p_mcnemar"] for r in records])):
        record["p_holm"] = float(adjusted)
    return records
