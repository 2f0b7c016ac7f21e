"""One scenario at the baseline's thresholds: the operating points, in memory or
streamed.

Conventions: see :mod:`colourfr.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from colourfr.metrics.curves import _equal_error_rate_sorted
from colourfr.metrics.rates import (
    _moments,
    decidability,
    decidability_from_moments,
    genuine_outcome,
)
from colourfr.metrics.thresholds import (
    StreamingImpostorSelector,
    Threshold,
    _thresholds_sorted,
    valid_scores,
)

FloatArray = NDArray[np.float64]


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
        note = "; ".join(
            n for n in (note, "d' infinite: both score distributions are constant") if n
        )
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
        d_prime = decidability_from_moments(*_moments(valid), selector.mean, selector.population_sd)
    points: list[OperatingPoint] = []
    for threshold in selector.thresholds():
        note = "; ".join(
            n for n in (threshold.note, "EER not computed when impostors are streamed") if n
        )
        points.append(_operating_point(threshold, genuine, d_prime, None, note))
    return points


# ------------------------------------------------------------------ subject bootstrap
