"""Error curves (FNMR and FMR against the threshold) and the equal error rate.

Conventions: see :mod:`colourfr.metrics`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from colourfr.metrics.thresholds import MetricsError, valid_scores

FloatArray = NDArray[np.float64]


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


def frr_curve(genuine_scores: ArrayLike, thresholds: ArrayLike) -> FloatArray:
    """FRR = FTA + FNMR (1 - FTA) of one scenario at each threshold (accept iff score < T;
    a non-finite score is a failure to acquire)."""
    scores = np.asarray(genuine_scores, dtype=np.float64)
    failed = ~np.isfinite(scores)
    valid = np.sort(scores[~failed])
    fta = failed.mean() if scores.size else math.nan
    fnmr = 1.0 - np.searchsorted(valid, np.asarray(thresholds), side="left") / max(valid.size, 1)
    return fta + fnmr * (1.0 - fta)  # type: ignore[no-any-return]


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
