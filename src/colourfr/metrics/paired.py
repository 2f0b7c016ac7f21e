"""Paired tests between scenarios: exact McNemar on per-pair reject decisions.

Conventions: see :mod:`colourfr.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from colourfr.metrics.thresholds import MetricsError

FloatArray = NDArray[np.float64]


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
