"""Identification (1:N) metrics from a verification score file: closed-set rank and CMC,
open-set FNIR at FPIR. Dissimilarity scores; "accept" means score < T.

Definitions (implemented exactly; docs/metrics.md, "Identification"):

* A *search* compares one probe with every reference of the gallery. It is *mated* when
  the probe has a row with ``genuine`` true (its mate), *non-mated* otherwise. A reference
  that failed to acquire (NaN score) is never a candidate; a probe whose every score is
  NaN failed to acquire and returns no candidates.
* *Rank* of a mated search = 1 + the number of valid non-mate scores that are less than
  or equal to the mate's score (ties count against the mate). A mated search whose probe
  or mate failed has no rank and misses at every rank.
* ``CMC(k)`` = mated searches with rank <= k / all mated searches (failed ones included);
  rank-1 = CMC(1).
* Open set: for each valid non-mated search, m = its smallest score. With the N values of
  m sorted ascending and ``k = floor(FPIR * N)`` (settled by :func:`rejected_rank`), the
  threshold is ``T = m_(k+1)``, the achieved FPIR ``#(m < T) / N``: the rule of the FMR
  thresholds, applied to the minima.
* ``FNIR(T)`` at rank 1 = mated searches that failed, or whose mate is not at rank 1, or
  whose mate's score is >= T, over all mated searches.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colourfr.metrics.bootstrap import (
    _weighted_threshold,
    percentile_interval,
    resampled_subject_counts,
)
from colourfr.metrics.paired import mcnemar_test
from colourfr.metrics.thresholds import MetricsError, Threshold, thresholds_at_fmrs


@dataclass(frozen=True)
class Searches:
    """Per probe of one score file: mated or not, the mate's rank (0 = none: failed), the
    mate's score, and the smallest valid score (inf when the search failed)."""

    probes: np.ndarray  # probe ids
    mated: np.ndarray  # bool
    rank: np.ndarray  # int, 0 = no rank (probe or mate failed)
    mate_score: np.ndarray  # float, NaN when failed or non-mated
    minimum: np.ndarray  # float, smallest valid score over the gallery; inf if none

    @property
    def n_mated(self) -> int:
        return int(self.mated.sum())

    @property
    def n_mated_failed(self) -> int:
        return int((self.mated & (self.rank == 0)).sum())

    @property
    def non_mated_minima(self) -> np.ndarray:
        """m of every valid non-mated search."""
        return self.minimum[~self.mated & np.isfinite(self.minimum)]

    @property
    def n_non_mated(self) -> int:
        return int((~self.mated).sum())

    @property
    def n_non_mated_failed(self) -> int:
        return int((~self.mated & ~np.isfinite(self.minimum)).sum())


def searches(
    frame: pd.DataFrame, source: str = "scores", where: Callable[[int], str] | None = None
) -> Searches:
    """The searches of a validated score frame (``reference, probe, genuine, score``)."""
    locate = where or (lambda i: f"row {i + 1}")
    if len(frame) == 0 or frame["reference"].nunique() == 0:
        raise MetricsError(f"{source}: empty gallery: the score file has no comparisons")
    codes, probes = pd.factorize(frame["probe"], sort=False)
    n = len(probes)
    score = frame["score"].to_numpy(dtype=np.float64)
    genuine = frame["genuine"].to_numpy(dtype=bool)
    valid = np.isfinite(score)
    mates_per_probe = np.bincount(codes[genuine], minlength=n)
    if (mates_per_probe > 1).any():
        seen = np.zeros(n, dtype=np.int64)
        for row in np.flatnonzero(genuine):
            seen[codes[row]] += 1
            if seen[codes[row]] > 1:
                raise MetricsError(
                    f"{source}: {locate(int(row))}: probe {probes[codes[row]]!r} has a genuine "
                    "row for a second reference; a probe's subject has one reference in "
                    "the gallery"
                )
    mated = mates_per_probe > 0
    mate_score = np.full(n, np.nan)
    mate_score[codes[genuine]] = score[genuine]
    # Ties count against the mate: non-mates <= the mate's score push it down.
    against = ~genuine & valid & (score <= mate_score[codes])
    ahead = np.bincount(codes[against], minlength=n)
    rank = np.where(mated & np.isfinite(mate_score), 1 + ahead, 0)
    minimum = np.full(n, np.inf)
    np.minimum.at(minimum, codes[valid], score[valid])
    return Searches(np.asarray(probes), mated, rank, mate_score, minimum)


def cmc(found: Searches, max_rank: int) -> np.ndarray:
    """CMC(1..max_rank): share of all mated searches whose mate is at rank <= k."""
    if max_rank < 1:
        raise MetricsError(f"max rank must be >= 1, got {max_rank}")
    if found.n_mated == 0:
        return np.full(max_rank, np.nan)
    ranks = found.rank[found.mated & (found.rank > 0)]
    counts = np.bincount(np.minimum(ranks, max_rank + 1), minlength=max_rank + 2)
    return np.cumsum(counts[1 : max_rank + 1]) / found.n_mated


def fpir_thresholds(found: Searches, fpir_targets: Sequence[float]) -> list[Threshold]:
    """Open-set thresholds from the non-mated searches' minima (``achieved_fmr`` of each
    Threshold is the achieved FPIR)."""
    return thresholds_at_fmrs(found.non_mated_minima, fpir_targets)


def fnir(found: Searches, threshold: float | None) -> float | None:
    """FNIR at rank 1 for threshold T (None without a threshold or mated search)."""
    if threshold is None or found.n_mated == 0:
        return None
    hits = found.mated & (found.rank == 1) & (found.mate_score < threshold)
    return float(1.0 - hits.sum() / found.n_mated)


@dataclass(frozen=True)
class IdentificationResult:
    file: str
    fpir_target: float
    threshold: float | None
    fpir: float | None
    fnir: float | None
    rank1: float | None
    cmc: list[float | None]
    n_mated: int
    n_mated_failed: int
    n_non_mated: int
    n_non_mated_failed: int
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _note(threshold: Threshold) -> str:
    n = threshold.n_impostor_valid
    if n == 0:
        return "no valid non-mated search: no open-set threshold"
    if threshold.defined and threshold.achieved_fmr == 0 and n < 1.0 / threshold.fmr_target:
        return (
            f"only {n} valid non-mated searches (< 1/FPIR = {1.0 / threshold.fmr_target:g}):"
            " threshold is the smallest minimum, achieved FPIR 0"
        )
    return "" if threshold.defined else threshold.note


def _finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def evaluate_identification(
    files: dict[str, Searches],
    fpir_targets: Sequence[float],
    max_rank: int = 20,
    baseline: Searches | None = None,
) -> list[IdentificationResult]:
    """One result per (file, FPIR target). Thresholds from ``baseline``'s non-mated
    searches when given, else from each file's own."""
    results = []
    shared = fpir_thresholds(baseline, fpir_targets) if baseline is not None else None
    for name, found in files.items():
        curve = cmc(found, max_rank)
        thresholds = shared if shared is not None else fpir_thresholds(found, fpir_targets)
        for threshold in thresholds:
            note = _note(threshold)
            results.append(
                IdentificationResult(
                    file=name,
                    fpir_target=threshold.fmr_target,
                    threshold=threshold.threshold,
                    fpir=threshold.achieved_fmr,
                    fnir=fnir(found, threshold.threshold),
                    rank1=_finite(curve[0]),
                    cmc=[_finite(v) for v in curve],
                    n_mated=found.n_mated,
                    n_mated_failed=found.n_mated_failed,
                    n_non_mated=found.n_non_mated,
                    n_non_mated_failed=found.n_non_mated_failed,
                    note=note,
                )
            )
    return results


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
    # colourfr.identification builds Searches from score tables: imported here, where
    # both modules are complete.
    from colourfr.identification import closed_set, open_set

    closed = {name: closed_set(t) for name, t in tables.items()}
    opened = {name: open_set(t) for name, t in tables.items()}
    thresholds = fpir_thresholds(opened[baseline], fpir_targets)
    subjects = {name: t["probe_subject"].to_numpy(dtype=str) for name, t in tables.items()}
    everyone = np.unique(np.concatenate(list(subjects.values())))
    codes = {name: np.searchsorted(everyone, s) for name, s in subjects.items()}
    rng = np.random.default_rng(seed)
    draws = [resampled_subject_counts(rng, everyone.size) for _ in range(replicates)]
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
            rank1_ci = percentile_interval([b[j][0] for b in boot], confidence)
            fnir_ci = percentile_interval([b[j][1] for b in boot], confidence)
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


def fnir_fpir_curves(
    tables: Mapping[str, pd.DataFrame], baseline: str
) -> dict[str, tuple[np.ndarray, list[float | None]]]:
    """Per scenario, FPIR and FNIR at rank 1 with the threshold swept over every distinct
    non-mated minimum of the baseline (empty when the baseline has no non-mated search)."""
    from colourfr.identification import open_set

    minima = np.sort(open_set(tables[baseline]).non_mated_minima)
    if not minima.size:
        return {}
    candidates = np.unique(minima)
    fpir = np.searchsorted(minima, candidates, side="left") / minima.size
    curves = {}
    for name, table in tables.items():
        searches = open_set(table)
        curves[name] = (fpir, [fnir(searches, float(t)) for t in candidates])
    return curves
