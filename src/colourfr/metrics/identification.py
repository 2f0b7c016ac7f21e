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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
