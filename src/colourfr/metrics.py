"""ISO/IEC 19795-1 verification metrics from dissimilarity scores.

All functions are pure and typed; file reading lives in :mod:`colourfr.scores`.

Conventions (the issue's definitions, implemented exactly):

* scores are *dissimilarities*: a comparison is accepted (a "match") iff ``score < t``;
* the threshold for a target FMR comes from the N valid (finite) impostor scores sorted
  ascending ``s_1..s_N``: ``k = floor(FMR * N)`` and ``t = s_(k+1)``. Every threshold above
  ``t`` would accept ``s_1..s_(k+1)`` and exceed the target, so ``t`` is the most permissive
  threshold whose *achieved* FMR (``#{impostor < t} / N``, reported) does not exceed it;
* FTA = genuine transactions with a failure / all genuine transactions;
  FNMR = valid genuine scores ``>= t`` / valid genuine scores;
  FRR = FTA + FNMR * (1 - FTA);
* d' = |mu_g - mu_i| / sqrt((sd_g^2 + sd_i^2) / 2) with *population* standard deviations.

Only the (k+1)-th smallest impostor score is needed for a threshold, so
:class:`StreamingImpostorSelector` finds it for 10^9 impostors in bounded memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
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


@dataclass(frozen=True)
class GenuineOutcome:
    """FTA, FNMR and FRR of one scenario's genuine transactions at one threshold."""

    n_genuine: int
    n_genuine_valid: int
    fta: float | None
    fnmr: float | None  # None when no threshold or no valid genuine score
    frr: float | None


def failure_to_acquire_rate(n_genuine: int, n_failed: int) -> float | None:
    return n_failed / n_genuine if n_genuine else None


def false_non_match_rate(valid_genuine: FloatArray, threshold: float) -> float | None:
    """Fraction of valid genuine scores that are rejected (``>= threshold``)."""
    if valid_genuine.size == 0:
        return None
    return float(np.count_nonzero(valid_genuine >= threshold)) / valid_genuine.size


def false_reject_rate(fta: float | None, fnmr: float | None) -> float | None:
    """FRR = FTA + FNMR * (1 - FTA); when every attempt failed (FTA = 1), FRR = 1."""
    if fta is None:
        return None
    if fta == 1.0:
        return 1.0
    if fnmr is None:
        return None
    return fta + fnmr * (1.0 - fta)


def genuine_outcome(genuine_scores: ArrayLike, threshold: float | None) -> GenuineOutcome:
    """Rates for the genuine transactions; NaN scores are failures to acquire."""
    scores = np.asarray(genuine_scores, dtype=np.float64).ravel()
    finite = np.isfinite(scores)
    valid = scores[finite]
    n_genuine = scores.size
    fta = failure_to_acquire_rate(n_genuine, n_genuine - valid.size)
    fnmr = None if threshold is None else false_non_match_rate(valid, threshold)
    return GenuineOutcome(n_genuine, int(valid.size), fta, fnmr, false_reject_rate(fta, fnmr))


def decidability(genuine_valid: ArrayLike, impostor_valid: ArrayLike) -> float | None:
    """d' with population standard deviations; None when either side is empty.

    Infinite when both distributions are point masses at different values.
    """
    genuine = valid_scores(genuine_valid)
    impostor = valid_scores(impostor_valid)
    if genuine.size == 0 or impostor.size == 0:
        return None
    return decidability_from_moments(*_moments(genuine), *_moments(impostor))


def _moments(values: FloatArray) -> tuple[float, float]:
    """Mean and population SD; a constant sample gets exactly (value, 0), where summing
    would leave rounding residue (mean of three 3.45... is not 3.45...) and turn a
    point mass into a finite, meaningless d'."""
    if values.min() == values.max():
        return float(values[0]), 0.0
    return float(values.mean()), float(values.std())


def decidability_from_moments(
    mean_genuine: float, sd_genuine: float, mean_impostor: float, sd_impostor: float
) -> float | None:
    spread = math.sqrt((sd_genuine**2 + sd_impostor**2) / 2.0)
    separation = abs(mean_genuine - mean_impostor)
    if spread == 0.0:
        return None if separation == 0.0 else math.inf
    return separation / spread


# ------------------------------------------------------------------------ EER and DET


@dataclass(frozen=True)
class ErrorCurve:
    """FMR and FNMR at increasing thresholds (accept iff score < threshold)."""

    thresholds: FloatArray
    fmr: FloatArray
    fnmr: FloatArray


def error_curve(
    genuine_scores: ArrayLike, impostor_scores: ArrayLike, max_points: int | None = None
) -> ErrorCurve:
    """FMR(t) and FNMR(t) at every distinct valid score (plus +inf), or ``max_points``
    thresholds spread evenly in rank over the pooled scores when given.

    Both sides are sorted once; each threshold costs two binary searches.
    """
    genuine = np.sort(valid_scores(genuine_scores))
    impostor = np.sort(valid_scores(impostor_scores))
    if genuine.size == 0 or impostor.size == 0:
        raise MetricsError("an error curve needs valid genuine and valid impostor scores")
    pooled = np.unique(np.concatenate([genuine, impostor]))
    if max_points is not None and pooled.size > max_points:
        picks = np.unique(np.linspace(0, pooled.size - 1, max_points).round().astype(np.int64))
        pooled = pooled[picks]
    thresholds = np.append(pooled, np.inf)
    fmr = np.searchsorted(impostor, thresholds, side="left") / impostor.size
    fnmr = 1.0 - np.searchsorted(genuine, thresholds, side="left") / genuine.size
    return ErrorCurve(thresholds, fmr.astype(np.float64), fnmr.astype(np.float64))


def equal_error_rate(genuine_scores: ArrayLike, impostor_scores: ArrayLike) -> float | None:
    """EER: where the FMR and FNMR step curves cross, interpolated linearly between the two
    operating points that bracket the crossing (FMR rises, FNMR falls with the threshold).

    Exact for the empirical curves (every distinct score is a candidate threshold), but
    the crossing is found by binary search, so the cost is two sorts, not a full curve.
    pyeer reports instead the mean of FMR and FNMR at one bracketing point (FVC2000).
    """
    genuine = np.sort(valid_scores(genuine_scores))
    impostor = np.sort(valid_scores(impostor_scores))
    if genuine.size == 0 or impostor.size == 0:
        return None
    return _equal_error_rate_sorted(genuine, impostor)


def _rates_at(
    genuine_sorted: FloatArray, impostor_sorted: FloatArray, t: float
) -> tuple[float, float]:
    fmr = np.searchsorted(impostor_sorted, t, side="left") / impostor_sorted.size
    fnmr = 1.0 - np.searchsorted(genuine_sorted, t, side="left") / genuine_sorted.size
    return float(fmr), float(fnmr)


def _first_crossing_in(
    values: FloatArray, genuine_sorted: FloatArray, impostor_sorted: FloatArray
) -> float:
    """Smallest value in sorted ``values`` where FMR - FNMR >= 0 (inf if none); the
    difference is non-decreasing in the threshold, so bisection finds it."""
    low, high = 0, values.size  # answer index in [low, high]
    while low < high:
        middle = (low + high) // 2
        fmr, fnmr = _rates_at(genuine_sorted, impostor_sorted, float(values[middle]))
        if fmr - fnmr >= 0.0:
            high = middle
        else:
            low = middle + 1
    return float(values[low]) if low < values.size else math.inf


def _largest_below(values: FloatArray, t: float) -> float:
    index = int(np.searchsorted(values, t, side="left")) - 1
    return float(values[index]) if index >= 0 else -math.inf


def _equal_error_rate_sorted(genuine_sorted: FloatArray, impostor_sorted: FloatArray) -> float:
    # Candidate thresholds are the distinct pooled scores and +inf (where FNMR = 0, so the
    # difference is >= 0 there: a crossing always exists).
    crossing = min(
        _first_crossing_in(impostor_sorted, genuine_sorted, impostor_sorted),
        _first_crossing_in(genuine_sorted, genuine_sorted, impostor_sorted),
    )
    fmr1, fnmr1 = _rates_at(genuine_sorted, impostor_sorted, crossing)
    before = max(
        _largest_below(impostor_sorted, crossing), _largest_below(genuine_sorted, crossing)
    )
    d1 = fmr1 - fnmr1
    if d1 == 0.0 or before == -math.inf:
        return (fmr1 + fnmr1) / 2.0
    fmr0, fnmr0 = _rates_at(genuine_sorted, impostor_sorted, before)
    d0 = fmr0 - fnmr0
    weight = d0 / (d0 - d1)  # fraction of the way from `before` to the crossing
    fmr = fmr0 + weight * (fmr1 - fmr0)
    fnmr = fnmr0 + weight * (fnmr1 - fnmr0)
    return (fmr + fnmr) / 2.0


def _equal_error_rate_from_curve(genuine_scores: ArrayLike, impostor_scores: ArrayLike) -> float:
    """Reference implementation over the full curve (tests check the fast path against it)."""
    curve = error_curve(genuine_scores, impostor_scores)
    diff = curve.fmr - curve.fnmr
    crossing = int(np.argmax(diff >= 0.0))
    if diff[crossing] == 0.0 or crossing == 0:
        return float((curve.fmr[crossing] + curve.fnmr[crossing]) / 2.0)
    before = crossing - 1
    d0, d1 = diff[before], diff[crossing]
    weight = d0 / (d0 - d1)
    fmr = curve.fmr[before] + weight * (curve.fmr[crossing] - curve.fmr[before])
    fnmr = curve.fnmr[before] + weight * (curve.fnmr[crossing] - curve.fnmr[before])
    return float((fmr + fnmr) / 2.0)


# --------------------------------------------------------------------- one evaluation


@dataclass(frozen=True)
class OperatingPoint:
    """All figures of one scenario at one FMR target (thresholds from the baseline)."""

    fmr_target: float
    threshold: float | None
    fmr: float | None
    fta: float | None
    fnmr: float | None
    frr: float | None
    d_prime: float | None
    eer: float | None
    n_genuine: int
    n_genuine_valid: int
    n_impostor_valid: int
    note: str = ""


def evaluate_scenario(
    genuine_scores: ArrayLike,
    baseline_impostor_scores: ArrayLike,
    fmr_targets: Sequence[float],
) -> list[OperatingPoint]:
    """One row per FMR target: scenario genuine scores against baseline impostors."""
    genuine = np.asarray(genuine_scores, dtype=np.float64).ravel()
    # Sort each side once; thresholds and EER both read the sorted arrays.
    impostor_sorted = np.sort(valid_scores(baseline_impostor_scores))
    genuine_sorted = np.sort(genuine[np.isfinite(genuine)])
    d_prime = decidability(genuine_sorted, impostor_sorted)
    eer = (
        _equal_error_rate_sorted(genuine_sorted, impostor_sorted)
        if genuine_sorted.size and impostor_sorted.size
        else None
    )
    return [
        _operating_point(threshold, genuine, d_prime, eer, threshold.note)
        for threshold in _thresholds_sorted(impostor_sorted, fmr_targets)
    ]


def _operating_point(
    threshold: Threshold,
    genuine: np.ndarray,
    d_prime: float | None,
    eer: float | None,
    note: str,
) -> OperatingPoint:
    outcome = genuine_outcome(genuine, threshold.threshold)
    if d_prime is not None and math.isinf(d_prime):
        # said in words because JSON has no infinity: there d' reads null, as when undefined
        note = "; ".join(n for n in (note, "d' infinite: both score distributions are constant") if n)
    return OperatingPoint(
        fmr_target=threshold.fmr_target,
        threshold=threshold.threshold,
        fmr=threshold.achieved_fmr,
        fta=outcome.fta,
        fnmr=outcome.fnmr,
        frr=outcome.frr,
        d_prime=d_prime,
        eer=eer,
        n_genuine=outcome.n_genuine,
        n_genuine_valid=outcome.n_genuine_valid,
        n_impostor_valid=threshold.n_impostor_valid,
        note=note,
    )


def evaluate_scenario_streamed(
    genuine_scores: ArrayLike, selector: StreamingImpostorSelector
) -> list[OperatingPoint]:
    """Like :func:`evaluate_scenario` with the baseline impostors already streamed through
    ``selector``: thresholds and d' are exact; the EER needs the whole impostor
    distribution and is not computed (None, said in ``note``)."""
    genuine = np.asarray(genuine_scores, dtype=np.float64).ravel()
    valid = genuine[np.isfinite(genuine)]
    d_prime = None
    if valid.size and selector.n_valid:
        d_prime = decidability_from_moments(
            *_moments(valid), selector.mean, selector.population_sd
        )
    points: list[OperatingPoint] = []
    for threshold in selector.thresholds():
        note = "; ".join(
            n for n in (threshold.note, "EER not computed when impostors are streamed") if n
        )
        points.append(_operating_point(threshold, genuine, d_prime, None, note))
    return points


# ------------------------------------------------------------------ subject bootstrap


@dataclass(frozen=True)
class Interval:
    """Percentile interval over the ``replicates_used`` replicates where the value is
    defined and finite (no threshold, every genuine failed, or an infinite d' drop one)."""

    low: float | None
    high: float | None
    replicates_used: int = 0


@dataclass(frozen=True)
class BootstrapResult:
    """Percentile intervals per FMR target for FTA, FNMR, FRR and d'."""

    replicates: int
    confidence: float
    seed: int
    fta: Interval
    fnmr: dict[float, Interval]
    frr: dict[float, Interval]
    d_prime: Interval


def _weighted_threshold(
    sorted_scores: FloatArray,
    cumulative_weights: NDArray[np.int64],
    fmr_target: float,
    total: int | None = None,
) -> float | None:
    """The rule t = s_(k+1) on the multiset where sorted score i appears w_i times
    (``cumulative_weights`` = cumsum of w). ``total`` is the multiset's size when the
    arrays hold only its smallest part (it must then contain rank k+1)."""
    cumulative = cumulative_weights
    if total is None:
        total = int(cumulative[-1]) if cumulative.size else 0
    if total == 0:
        return None
    k = rejected_rank(fmr_target, total)
    if k + 1 > total:
        return None
    # first index whose cumulative count reaches k+1
    return float(sorted_scores[int(np.searchsorted(cumulative, k + 1, side="left"))])


def _percentile_interval(values: Sequence[float | None], confidence: float) -> Interval:
    finite = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=np.float64)
    if finite.size == 0:
        return Interval(None, None, 0)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return Interval(float(low), float(high), int(finite.size))


@dataclass(frozen=True)
class GenuineSample:
    """One scenario's genuine scores (NaN = FTA) and the subject of each transaction."""

    scores: ArrayLike
    subjects: ArrayLike


def subject_bootstrap(
    genuine_scores: ArrayLike,
    genuine_subjects: ArrayLike,
    impostor_scores: ArrayLike,
    impostor_reference_subjects: ArrayLike,
    impostor_probe_subjects: ArrayLike,
    fmr_targets: Sequence[float],
    replicates: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> BootstrapResult:
    """Subject-level bootstrap of one scenario (see :func:`subject_bootstrap_many`)."""
    results = subject_bootstrap_many(
        {"scenario": GenuineSample(genuine_scores, genuine_subjects)},
        impostor_scores,
        impostor_reference_subjects,
        impostor_probe_subjects,
        fmr_targets,
        replicates=replicates,
        seed=seed,
        confidence=confidence,
    )
    return results["scenario"]


def _subject_codes(values: ArrayLike, union: dict[str, int]) -> NDArray[np.int64]:
    """Integer subject codes into ``union`` (extended in place). Factorises first, so a
    categorical column of 10^7 rows costs its codes, not 10^7 string look-ups."""
    codes, uniques = pd.factorize(
        pd.Series(values) if not isinstance(values, pd.Series) else values
    )
    mapping = np.array([union.setdefault(str(u), len(union)) for u in uniques], dtype=np.int64)
    if codes.size and (codes < 0).any():
        raise MetricsError("subject columns must not contain missing values")
    return mapping[codes] if mapping.size else np.zeros(codes.size, dtype=np.int64)


@dataclass(frozen=True)
class _ImpostorCells:
    """Impostor scores summarised for the bootstrap.

    A replicate weights every impostor of cell (reference subject a, probe subject b) by
    m_a * m_b, so totals and moments need only per-cell sums: W = m' C m with C the sparse
    cell matrix of counts (and of sums of scores and squares for d'). Thresholds need only
    the low tail: the sorted smallest scores with their cell codes.
    """

    counts: Any  # scipy.sparse CSR (subjects x subjects)
    sums: Any
    squares: Any
    shift: float  # scores are centred on their mean before squaring (numerical stability)
    tail_scores: FloatArray
    tail_ref: NDArray[np.int64]
    tail_probe: NDArray[np.int64]
    all_sorted: FloatArray
    all_ref: NDArray[np.int64]
    all_probe: NDArray[np.int64]


def _impostor_cells(
    scores: FloatArray,
    ref: NDArray[np.int64],
    probe: NDArray[np.int64],
    n_subjects: int,
    tail_size: int,
) -> _ImpostorCells:
    from scipy.sparse import csr_matrix

    shape = (n_subjects, n_subjects)
    shift = float(scores.mean()) if scores.size else 0.0
    centred = scores - shift
    counts = csr_matrix((np.ones(scores.size), (ref, probe)), shape=shape)
    sums = csr_matrix((centred, (ref, probe)), shape=shape)
    squares = csr_matrix((centred * centred, (ref, probe)), shape=shape)
    order = np.argsort(scores, kind="stable")
    tail = min(scores.size, tail_size)
    head = order[:tail]
    return _ImpostorCells(
        counts,
        sums,
        squares,
        shift,
        scores[head],
        ref[head],
        probe[head],
        scores[order],
        ref[order],
        probe[order],
    )


class _BootstrapModel:
    """Everything a bootstrap replicate needs, prepared once: integer subject codes (union
    over all scenarios and impostors, in order of first appearance), the impostor cells
    and each scenario's genuine scores. :meth:`replicate` evaluates one multiplicity vector.
    """

    def __init__(
        self,
        genuine: Mapping[str, GenuineSample],
        impostor_scores: ArrayLike,
        impostor_reference_subjects: ArrayLike,
        impostor_probe_subjects: ArrayLike,
        fmr_targets: Sequence[float],
        tail_size: int | None = None,
    ) -> None:
        """``tail_size``: how many of the smallest impostor scores to keep pre-sorted for
        the replicate thresholds (default: 4 x the largest FMR target of them, at least
        10,000); a replicate whose threshold lies beyond it reads all scores."""
        for target in fmr_targets:
            _check_fmr_target(target)
        self.fmr_targets = list(fmr_targets)
        impostor = np.asarray(impostor_scores, dtype=np.float64).ravel()
        n_ref = len(impostor_reference_subjects)  # type: ignore[arg-type]
        n_probe = len(impostor_probe_subjects)  # type: ignore[arg-type]
        if n_ref != impostor.size or n_probe != impostor.size:
            raise MetricsError("impostor scores and impostor subjects differ in length")
        union: dict[str, int] = {}
        self.genuine_scores: dict[str, FloatArray] = {}
        self.genuine_codes: dict[str, NDArray[np.int64]] = {}
        for name, sample in genuine.items():
            scores = np.asarray(sample.scores, dtype=np.float64).ravel()
            if len(sample.subjects) != scores.size:  # type: ignore[arg-type]
                raise MetricsError(f"{name}: genuine scores and genuine subjects differ in length")
            self.genuine_scores[name] = scores
            self.genuine_codes[name] = _subject_codes(sample.subjects, union)
        keep = np.isfinite(impostor)
        ref_codes = _subject_codes(impostor_reference_subjects, union)[keep]
        probe_codes = _subject_codes(impostor_probe_subjects, union)[keep]
        self.subjects = list(union)
        if tail_size is None:
            tail_size = max(10_000, math.ceil(4 * max(fmr_targets) * int(keep.sum())))
        self.cells = _impostor_cells(impostor[keep], ref_codes, probe_codes, len(union), tail_size)

    def replicate(self, multiplicity: FloatArray) -> dict[str, dict[str, float | None]]:
        """FTA, d', and per target FNMR/FRR of every scenario for one resampled population
        (``multiplicity[i]`` = how often subject ``self.subjects[i]`` was drawn)."""
        cells = self.cells
        total_imp = round(float(multiplicity @ (cells.counts @ multiplicity)))
        thresholds = {
            t: _replicate_threshold(cells, multiplicity, total_imp, t) for t in self.fmr_targets
        }
        impostor_moments = None
        if total_imp:
            mean_c = float(multiplicity @ (cells.sums @ multiplicity)) / total_imp
            second_c = float(multiplicity @ (cells.squares @ multiplicity)) / total_imp
            variance = max(0.0, second_c - mean_c * mean_c)
            impostor_moments = (cells.shift + mean_c, math.sqrt(variance))
        values: dict[str, dict[str, float | None]] = {}
        for name, scores in self.genuine_scores.items():
            record: dict[str, float | None] = {}
            weight = multiplicity[self.genuine_codes[name]]
            failed = ~np.isfinite(scores)
            filled = np.where(failed, 0.0, scores)
            total_gen = float(weight.sum())
            valid_weight = np.where(failed, 0.0, weight)
            total_valid = float(valid_weight.sum())
            fta = (total_gen - total_valid) / total_gen if total_gen else None
            record["fta"] = fta
            record["d_prime"] = None
            if total_valid and impostor_moments is not None:
                mu_g = float(np.average(filled, weights=valid_weight))
                sd_g = math.sqrt(float(np.average((filled - mu_g) ** 2, weights=valid_weight)))
                record["d_prime"] = decidability_from_moments(mu_g, sd_g, *impostor_moments)
            for target, threshold in thresholds.items():
                fnmr = None
                if threshold is not None and total_valid:
                    rejected = (filled >= threshold) & ~failed
                    fnmr = float(weight[rejected].sum()) / total_valid
                record[f"fnmr@{target}"] = fnmr
                record[f"frr@{target}"] = false_reject_rate(fta, fnmr)
            values[name] = record
        return values


def subject_bootstrap_many(
    genuine: Mapping[str, GenuineSample],
    impostor_scores: ArrayLike,
    impostor_reference_subjects: ArrayLike,
    impostor_probe_subjects: ArrayLike,
    fmr_targets: Sequence[float],
    replicates: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, BootstrapResult]:
    """Subject-level bootstrap of FTA, FNMR, FRR and d' for several scenarios at once.

    Each replicate draws subjects with replacement (from the union of all subjects); a
    subject drawn m times contributes its genuine transactions m times, and an impostor
    comparison between reference subject a and probe subject b appears m_a * m_b times
    (the comparisons the resampled population would make). Each replicate's threshold is
    recomputed from its impostors with the same rule and shared by all scenarios, so the
    scenarios' intervals come from the same resampled populations. Genuine NaN scores are
    FTA; impostor NaNs are dropped. Intervals are percentile intervals.
    """
    if replicates < 1:
        raise MetricsError(f"bootstrap replicates must be >= 1, got {replicates}")
    if not 0.0 < confidence < 1.0:
        raise MetricsError(f"bootstrap confidence must lie in (0, 1), got {confidence}")
    model = _BootstrapModel(
        genuine,
        impostor_scores,
        impostor_reference_subjects,
        impostor_probe_subjects,
        fmr_targets,
    )
    n_subjects = len(model.subjects)
    rng = np.random.default_rng(seed)
    draws: dict[str, dict[str, list[float | None]]] = {name: {} for name in genuine}
    for _ in range(replicates):
        multiplicity = np.bincount(
            rng.integers(0, n_subjects, n_subjects), minlength=n_subjects
        ).astype(np.float64)
        for name, record in model.replicate(multiplicity).items():
            for key, value in record.items():
                draws[name].setdefault(key, []).append(value)
    return {
        name: BootstrapResult(
            replicates=replicates,
            confidence=confidence,
            seed=seed,
            fta=_percentile_interval(record["fta"], confidence),
            fnmr={t: _percentile_interval(record[f"fnmr@{t}"], confidence) for t in fmr_targets},
            frr={t: _percentile_interval(record[f"frr@{t}"], confidence) for t in fmr_targets},
            d_prime=_percentile_interval(record["d_prime"], confidence),
        )
        for name, record in draws.items()
    }


def _replicate_threshold(
    cells: _ImpostorCells, multiplicity: FloatArray, total: int, fmr_target: float
) -> float | None:
    """t = s_(k+1) of the replicate's weighted impostors, read from the sorted low tail
    when the (k+1)-th weighted score lies in it (almost always), else from all scores."""
    if total == 0:
        return None
    k = rejected_rank(fmr_target, total)
    if k + 1 > total:
        return None
    for scores, ref, probe in (
        (cells.tail_scores, cells.tail_ref, cells.tail_probe),
        (cells.all_sorted, cells.all_ref, cells.all_probe),
    ):
        weights = (multiplicity[ref] * multiplicity[probe]).astype(np.int64)
        cumulative = np.cumsum(weights)
        if cumulative.size and cumulative[-1] >= k + 1:
            return _weighted_threshold(scores, cumulative, fmr_target, total=total)
    return None  # unreachable: all scores sum to `total`


# ----------------------------------------------------------------------- McNemar test


@dataclass(frozen=True)
class McNemarResult:
    """Paired comparison of reject decisions (FTA counts as reject) on the same pairs."""

    n_pairs: int
    both_reject: int
    only_a_rejects: int
    only_b_rejects: int
    both_accept: int
    p_value: float  # exact two-sided binomial test on the discordant pairs
    statistic: float  # chi-square with continuity correction (for reference)


def reject_decisions(scores: ArrayLike, threshold: float) -> NDArray[np.bool_]:
    """True where a genuine transaction is rejected: failure (NaN) or score >= threshold."""
    array = np.asarray(scores, dtype=np.float64).ravel()
    return ~np.isfinite(array) | (array >= threshold)


def mcnemar_test(reject_a: ArrayLike, reject_b: ArrayLike) -> McNemarResult:
    """McNemar's test on paired reject decisions of two scenarios."""
    from scipy.stats import binomtest

    a = np.asarray(reject_a, dtype=bool).ravel()
    b = np.asarray(reject_b, dtype=bool).ravel()
    if a.size != b.size:
        raise MetricsError(f"paired decisions differ in length: {a.size} vs {b.size}")
    only_a = int(np.count_nonzero(a & ~b))
    only_b = int(np.count_nonzero(~a & b))
    discordant = only_a + only_b
    if discordant == 0:
        p_value, statistic = 1.0, 0.0
    else:
        p_value = float(binomtest(only_a, discordant, 0.5, alternative="two-sided").pvalue)
        statistic = (abs(only_a - only_b) - 1.0) ** 2 / discordant
    return McNemarResult(
        n_pairs=int(a.size),
        both_reject=int(np.count_nonzero(a & b)),
        only_a_rejects=only_a,
        only_b_rejects=only_b,
        both_accept=int(np.count_nonzero(~a & ~b)),
        p_value=min(1.0, p_value),
        statistic=max(0.0, statistic),
    )
