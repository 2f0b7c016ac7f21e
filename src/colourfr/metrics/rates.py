"""Rates of genuine transactions at a threshold (FTA, FNMR, FRR) and decidability d'.

Conventions: see :mod:`colourfr.metrics`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from colourfr.metrics.thresholds import valid_scores

FloatArray = NDArray[np.float64]


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
