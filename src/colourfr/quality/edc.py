"""Error-versus-discard characteristic (EDC), ISO/IEC 29794-1.

An EDC shows how the verification error falls when the comparisons of lowest quality
are discarded. Here, per scenario:

* the quality of a comparison is the **lower** of its two samples' qualities
  (``min(q_reference, q_probe)``), as ISO/IEC 29794-1 describes;
* the error is the **FNMR** of the remaining genuine comparisons at the fixed baseline
  threshold ``t`` (accept iff ``score < t``; scores are dissimilarities), so discarding
  changes only which comparisons count, never the threshold;
* discarding works on quality *levels*: at each distinct pair quality ``q`` every
  comparison with quality below ``q`` is discarded. Tied comparisons are never split,
  so the curve has one point per distinct quality (plus the start at 0 discarded).

Which comparisons enter: genuine comparisons with a finite score. A failed comparison
(NaN score: failure to acquire) has no decision, so it belongs to FTA, not FNMR, and is
left out. A comparison whose pair quality is NaN (the estimator could not assess one of
its samples) but whose score is valid is treated as the lowest quality of all and is
discarded first: a sample that cannot be assessed is the first a quality-aware system
would reject.

The partial area under the curve (pAUC) integrates the step function
``FNMR(discard fraction)`` from 0 to ``max_discard`` (default 0.20). It is exact for
the step curve: FNMR at fraction ``f`` is that of the largest discard level ``<= f``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from colourfr.errors import ColourfrError


class EDCError(ColourfrError):
    """The inputs cannot give an EDC (message says why)."""


@dataclass(frozen=True)
class EDCCurve:
    """Discard fractions (ascending, from 0) and the FNMR after each discard."""

    discard_fraction: np.ndarray
    fnmr: np.ndarray
    quality_threshold: np.ndarray  # comparisons with pair quality below this were discarded
    n_remaining: np.ndarray
    n_total: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "discard_fraction": self.discard_fraction,
                "fnmr": self.fnmr,
                "quality_threshold": self.quality_threshold,
                "n_remaining": self.n_remaining,
            }
        )


def pair_quality(reference_quality: ArrayLike, probe_quality: ArrayLike) -> np.ndarray:
    """The lower of the two qualities; NaN when either is NaN."""
    return np.minimum(
        np.asarray(reference_quality, dtype=np.float64),
        np.asarray(probe_quality, dtype=np.float64),
    )


def edc_curve(scores: ArrayLike, qualities: ArrayLike, threshold: float) -> EDCCurve:
    """EDC of genuine comparisons ``scores`` with pair ``qualities`` at ``threshold``."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    qualities = np.asarray(qualities, dtype=np.float64).ravel()
    if scores.shape != qualities.shape:
        raise EDCError(f"{scores.size} scores but {qualities.size} pair qualities")
    if not np.isfinite(threshold):
        raise EDCError(f"threshold must be finite, got {threshold}")
    keep = np.isfinite(scores)
    scores, qualities = scores[keep], qualities[keep]
    n = scores.size
    if n == 0:
        raise EDCError("no genuine comparison with a valid score")
    # Unassessable samples sort first (discarded first).
    ordering_quality = np.where(np.isnan(qualities), -np.inf, qualities)
    order = np.argsort(ordering_quality, kind="stable")
    sorted_quality = ordering_quality[order]
    errors = (scores[order] >= threshold).astype(np.int64)
    # errors among the comparisons kept when the first i are discarded = suffix sums.
    suffix_errors = np.concatenate([np.cumsum(errors[::-1])[::-1], [0]])
    levels, first_index = np.unique(sorted_quality, return_index=True)
    discarded = first_index  # everything below level j sits before its first index
    remaining = n - discarded
    fnmr = suffix_errors[discarded] / remaining
    return EDCCurve(
        discard_fraction=discarded / n,
        fnmr=fnmr.astype(np.float64),
        quality_threshold=levels.astype(np.float64),
        n_remaining=remaining.astype(np.int64),
        n_total=n,
    )


def partial_area(curve: EDCCurve, max_discard: float = 0.2) -> float:
    """Area under the step curve FNMR(discard fraction) over [0, max_discard]."""
    if not 0.0 < max_discard <= 1.0:
        raise EDCError(f"max_discard must lie in (0, 1], got {max_discard}")
    starts = curve.discard_fraction
    ends = np.append(starts[1:], 1.0)
    widths = np.clip(np.minimum(ends, max_discard) - starts, 0.0, None)
    return float((widths * curve.fnmr).sum())


def genuine_pair_qualities(
    scores: pd.DataFrame, reference_quality: pd.Series, probe_quality: pd.Series
) -> pd.DataFrame:
    """Genuine rows of a score file with ``pair_quality`` added.

    ``reference_quality`` / ``probe_quality`` map image_id -> quality in the variant the
    scenario uses on that side. An image missing from the map has NaN quality.
    """
    missing = {"reference", "probe", "genuine", "score"} - set(scores.columns)
    if missing:
        raise EDCError(f"score frame lacks columns {sorted(missing)}")
    genuine = scores[scores["genuine"].astype(bool)].copy()
    q_reference = genuine["reference"].astype(str).map(reference_quality)
    q_probe = genuine["probe"].astype(str).map(probe_quality)
    genuine["pair_quality"] = pair_quality(q_reference.to_numpy(float), q_probe.to_numpy(float))
    return genuine


@dataclass(frozen=True)
class ScenarioEDC:
    scenario: str
    curve: EDCCurve
    partial_area: float
    n_genuine: int
    n_genuine_valid: int


def scenario_edc(
    scenario: str,
    scores: pd.DataFrame,
    reference_quality: pd.Series,
    probe_quality: pd.Series,
    threshold: float,
    max_discard: float = 0.2,
) -> ScenarioEDC:
    """EDC and pAUC of one scenario's score frame at the baseline ``threshold``."""
    genuine = genuine_pair_qualities(scores, reference_quality, probe_quality)
    try:
        curve = edc_curve(genuine["score"], genuine["pair_quality"], threshold)
    except EDCError as exc:
        raise EDCError(f"scenario {scenario}: {exc}") from None
    return ScenarioEDC(
        scenario=scenario,
        curve=curve,
        partial_area=partial_area(curve, max_discard),
        n_genuine=len(genuine),
        n_genuine_valid=curve.n_total,
    )


def edc_table(results: list[ScenarioEDC]) -> pd.DataFrame:
    """All curves in one long table (one row per scenario and discard level)."""
    frames = []
    for result in results:
        frame = result.curve.to_frame()
        frame.insert(0, "scenario", result.scenario)
        frame["partial_area"] = result.partial_area
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def baseline_threshold(impostor_scores: ArrayLike, fmr: float) -> float:
    """Decision threshold at ``fmr`` from the baseline's impostor scores, by the
    project's rule (:func:`colourfr.metrics.threshold_at_fmr`: sorted valid impostor
    scores s_1..s_N, k = floor(FMR N), t = s_(k+1), accept iff score < t)."""
    from colourfr.metrics import threshold_at_fmr

    result = threshold_at_fmr(impostor_scores, fmr)
    if result.threshold is None:
        raise EDCError(f"no threshold at FMR={fmr}: {result.note}")
    return float(result.threshold)
