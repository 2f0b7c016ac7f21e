"""Thresholds at target FMRs: the (k+1)-th smallest valid impostor score, in memory or
streamed over 10^9 impostors (k = floor(FMR * N), settled exactly by :func:`rejected_rank`).

Conventions: see :mod:`colourfr.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from colourfr.errors import ColourfrError

FloatArray = NDArray[np.float64]


class MetricsError(ColourfrError):
    """Metrics cannot be computed from the given scores (the message says why)."""


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Threshold:
    """The decision threshold for one FMR target, or the reason there is none."""

    fmr_target: float
    threshold: float | None  # accept iff score < threshold
    achieved_fmr: float | None  # #{impostor < threshold} / n_impostor_valid
    n_impostor_valid: int
    note: str = ""  # why there is no threshold, or why the estimate is weak

    @property
    def defined(self) -> bool:
        return self.threshold is not None


def valid_scores(scores: ArrayLike) -> FloatArray:
    """The finite scores as float64 (NaN marks a failed comparison)."""
    array = np.asarray(scores, dtype=np.float64).ravel()
    return array[np.isfinite(array)]


def _check_fmr_target(fmr_target: float) -> None:
    if not (0.0 < fmr_target <= 1.0) or math.isnan(fmr_target):
        raise MetricsError(f"FMR target must lie in (0, 1], got {fmr_target!r}")


def rejected_rank(fmr_target: float, n: int) -> int:
    """``k = floor(FMR * N)``: the largest k with ``k / N <= FMR``.

    The product alone can round to the wrong side (``math.floor(0.29 * 100)`` is 28), so
    k is settled by the comparison ``k / N <= FMR`` made exactly as the achieved FMR
    (a count over N) is later compared with the target: the threshold is then the most
    permissive one whose achieved FMR does not exceed the target, in the same arithmetic.
    """
    k = math.floor(fmr_target * n)
    while k < n and (k + 1) / n <= fmr_target:
        k += 1
    while k > 0 and k / n > fmr_target:
        k -= 1
    return k


def _threshold_from_order_statistic(
    fmr_target: float,
    n_valid: int,
    kth: Callable[[int], float],
    count_below: Callable[[float], int],
) -> Threshold:
    """Shared rule: ``kth(j)`` returns the j-th smallest (0-based) valid impostor score."""
    _check_fmr_target(fmr_target)
    if n_valid == 0:
        return Threshold(fmr_target, None, None, 0, "no valid impostor scores")
    k = rejected_rank(fmr_target, n_valid)
    if k + 1 > n_valid:
        # Only possible for a target of 1: every impostor may be accepted, no s_(k+1) exists.
        return Threshold(
            fmr_target, None, None, n_valid, f"k+1={k + 1} exceeds N={n_valid}: no threshold"
        )
    threshold = float(kth(k))
    achieved = count_below(threshold) / n_valid
    note = ""
    if k == 0:
        note = (
            f"only {n_valid} valid impostors (< 1/FMR = {1.0 / fmr_target:g}):"
            " threshold is the smallest impostor score, achieved FMR 0"
        )
    return Threshold(fmr_target, threshold, achieved, n_valid, note)


def threshold_at_fmr(impostor_scores: ArrayLike, fmr_target: float) -> Threshold:
    """Threshold for one FMR target from impostor scores (NaNs ignored); O(N) selection."""
    valid = valid_scores(impostor_scores)

    def kth(j: int) -> float:
        return float(np.partition(valid, j)[j])

    def count_below(t: float) -> int:
        return int(np.count_nonzero(valid < t))

    return _threshold_from_order_statistic(fmr_target, valid.size, kth, count_below)


def thresholds_at_fmrs(impostor_scores: ArrayLike, fmr_targets: Sequence[float]) -> list[Threshold]:
    """Thresholds for several targets with one sort of the valid impostor scores."""
    return _thresholds_sorted(np.sort(valid_scores(impostor_scores)), fmr_targets)


def _thresholds_sorted(ordered: FloatArray, fmr_targets: Sequence[float]) -> list[Threshold]:
    """The rule on already sorted valid impostor scores."""

    def kth(j: int) -> float:
        return float(ordered[j])

    def count_below(t: float) -> int:
        return int(np.searchsorted(ordered, t, side="left"))

    return [
        _threshold_from_order_statistic(target, ordered.size, kth, count_below)
        for target in fmr_targets
    ]


# ------------------------------------------------------------------- streaming selection


@dataclass
class StreamingImpostorSelector:
    """Thresholds for 10^9 impostor scores fed block by block, in bounded memory.

    The threshold needs only the (k+1)-th smallest valid score with ``k = floor(FMR*N)``.
    ``max_count`` is an upper bound on the number of scores that will be fed (e.g.
    references x probes); the selector keeps only the ``floor(max(FMR) * max_count) + 1``
    smallest scores seen so far (plus one block), so memory is O(max FMR * max_count +
    block) instead of O(N). Every impostor below the final threshold ranks at most k < that
    capacity, so the achieved FMR count is exact too. Mean and population variance are
    accumulated with Chan's pairwise update for d'.
    """

    fmr_targets: Sequence[float]
    max_count: int
    n_seen: int = 0
    n_valid: int = 0
    _kept: FloatArray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    _cutoff: float = math.inf  # largest kept value once the buffer is full
    _mean: float = 0.0
    _m2: float = 0.0

    def __post_init__(self) -> None:
        for target in self.fmr_targets:
            _check_fmr_target(target)
        if self.max_count < 0:
            raise MetricsError(f"max_count must be >= 0, got {self.max_count}")
        self.capacity = rejected_rank(max(self.fmr_targets), self.max_count) + 1

    def update(self, block: ArrayLike) -> None:
        scores = np.asarray(block).ravel()
        self.n_seen += scores.size
        if self.n_seen > self.max_count:
            raise MetricsError(
                f"streamed {self.n_seen} scores, more than the declared max_count {self.max_count}"
            )
        finite = scores[np.isfinite(scores)]
        if finite.size == 0:
            return
        self._update_moments(finite)
        self.n_valid += finite.size
        # Cheap pre-filter: once the buffer is full, anything >= its largest kept value
        # can never be among the capacity smallest.
        candidates = finite[finite < self._cutoff] if math.isfinite(self._cutoff) else finite
        if candidates.size == 0:
            return
        merged = np.concatenate([self._kept, candidates.astype(np.float64, copy=False)])
        if merged.size > self.capacity:
            merged = np.partition(merged, self.capacity - 1)[: self.capacity]
            self._cutoff = float(merged.max())
        self._kept = merged

    def _update_moments(self, finite: NDArray[np.floating]) -> None:
        n_block = finite.size
        block_mean = float(np.mean(finite, dtype=np.float64))
        block_m2 = float(np.sum((finite.astype(np.float64) - block_mean) ** 2))
        n_total = self.n_valid + n_block
        delta = block_mean - self._mean
        self._mean += delta * n_block / n_total
        self._m2 += block_m2 + delta * delta * self.n_valid * n_block / n_total

    @property
    def mean(self) -> float:
        return self._mean if self.n_valid else math.nan

    @property
    def population_sd(self) -> float:
        return math.sqrt(self._m2 / self.n_valid) if self.n_valid else math.nan

    @property
    def kept_bytes(self) -> int:
        return int(self._kept.nbytes)

    def thresholds(self) -> list[Threshold]:
        ordered = np.sort(self._kept)

        def kth(j: int) -> float:
            if j >= ordered.size:  # cannot happen while n_valid <= max_count
                raise MetricsError(f"rank {j + 1} was not retained (capacity {self.capacity})")
            return float(ordered[j])

        def count_below(t: float) -> int:
            return int(np.searchsorted(ordered, t, side="left"))

        return [
            _threshold_from_order_statistic(target, self.n_valid, kth, count_below)
            for target in self.fmr_targets
        ]


def streaming_thresholds(
    blocks: Iterable[ArrayLike], fmr_targets: Sequence[float], max_count: int
) -> StreamingImpostorSelector:
    """Feed every block to a :class:`StreamingImpostorSelector` and return it."""
    selector = StreamingImpostorSelector(fmr_targets, max_count)
    for block in blocks:
        selector.update(block)
    return selector


# --------------------------------------------------------------------- rates and d'
