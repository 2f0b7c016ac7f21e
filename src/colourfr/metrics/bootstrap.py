"""Subject-bootstrap confidence intervals of the verification metrics.

Conventions: see :mod:`colourfr.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from colourfr.metrics.rates import decidability_from_moments, false_reject_rate
from colourfr.metrics.thresholds import MetricsError, _check_fmr_target, rejected_rank

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BootstrapSettings:
    """How every subject bootstrap of the workflow is drawn (config ``metrics.bootstrap``).

    ``min_subjects``: the fewest subjects an interval is computed from; a smaller sample
    gets its estimate and no interval (``skin_tone.min_subjects_for_interval`` for the
    skin-tone groups; verification intervals are computed from any number)."""

    replicates: int = 1000
    seed: int = 20200916
    confidence: float = 0.95
    min_subjects: int = 1

    @classmethod
    def from_config(
        cls, bootstrap: Mapping[str, object], min_subjects: int = 1
    ) -> BootstrapSettings:
        """From ``metrics.bootstrap`` (replicates, seed, confidence)."""
        return cls(
            replicates=int(bootstrap["replicates"]),  # type: ignore[call-overload]
            seed=int(bootstrap["seed"]),  # type: ignore[call-overload]
            confidence=float(bootstrap["confidence"]),  # type: ignore[arg-type]
            min_subjects=int(min_subjects),
        )


def resampled_subject_counts(rng: np.random.Generator, n_subjects: int) -> NDArray[np.int64]:
    """How often each of ``n_subjects`` subjects is drawn in one resample of as many
    subjects with replacement: the weight of its transactions in that replicate."""
    return np.bincount(rng.integers(0, n_subjects, n_subjects), minlength=n_subjects)


def subject_bootstrap_means(
    values: ArrayLike, subject_codes: ArrayLike, n_subjects: int, settings: BootstrapSettings
) -> FloatArray:
    """``settings.replicates`` values of the mean of per-transaction ``values``, each over
    a resample of the subjects with replacement (a subject drawn twice counts every one of
    its transactions twice). ``subject_codes``: each value's subject as 0..n_subjects-1."""
    x = np.asarray(values, dtype=np.float64)
    codes = np.asarray(subject_codes, dtype=np.int64)
    sums = np.bincount(codes, weights=x, minlength=n_subjects)
    counts = np.bincount(codes, minlength=n_subjects).astype(np.float64)
    rng = np.random.default_rng(settings.seed)
    weights = np.stack(
        [resampled_subject_counts(rng, n_subjects) for _ in range(settings.replicates)]
    ).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ sums) / (weights @ counts)  # type: ignore[no-any-return]


def subject_bootstrap_mean(
    values: Sequence[float], subjects: Sequence[str], settings: BootstrapSettings
) -> tuple[float, float, float]:
    """Mean of per-image values (NaN ones left out) and its subject-bootstrap interval;
    NaN bounds when the values come from fewer than ``settings.min_subjects`` subjects."""
    x = np.asarray(values, dtype=np.float64)
    codes, unique = pd.factorize(pd.Series(list(subjects), dtype=str))
    keep = np.isfinite(x)
    x, codes = x[keep], codes[keep]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(set(codes.tolist())) < settings.min_subjects or settings.replicates <= 0:
        return mean, math.nan, math.nan
    interval = percentile_interval(
        subject_bootstrap_means(x, codes, len(unique), settings), settings.confidence
    )
    return mean, *interval.bounds()


@dataclass(frozen=True)
class Interval:
    """Percentile interval over the ``replicates_used`` replicates where the value is
    defined and finite (no threshold, every genuine failed, or an infinite d' drop one)."""

    low: float | None
    high: float | None
    replicates_used: int = 0

    def bounds(self) -> tuple[float, float]:
        """(low, high), NaN where undefined."""
        return (
            math.nan if self.low is None else self.low,
            math.nan if self.high is None else self.high,
        )


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


def percentile_interval(values: Sequence[float | None] | FloatArray, confidence: float) -> Interval:
    """The percentile interval of bootstrap replicates at ``confidence``, over those that
    are defined and finite."""
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
    settings: BootstrapSettings = BootstrapSettings(),
) -> BootstrapResult:
    """Subject-level bootstrap of one scenario (see :func:`subject_bootstrap_many`)."""
    results = subject_bootstrap_many(
        {"scenario": GenuineSample(genuine_scores, genuine_subjects)},
        impostor_scores,
        impostor_reference_subjects,
        impostor_probe_subjects,
        fmr_targets,
        settings,
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
    settings: BootstrapSettings = BootstrapSettings(),
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
    replicates, seed, confidence = settings.replicates, settings.seed, settings.confidence
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
        multiplicity = resampled_subject_counts(rng, n_subjects).astype(np.float64)
        for name, record in model.replicate(multiplicity).items():
            for key, value in record.items():
                draws[name].setdefault(key, []).append(value)
    return {
        name: BootstrapResult(
            replicates=replicates,
            confidence=confidence,
            seed=seed,
            fta=percentile_interval(record["fta"], confidence),
            fnmr={t: percentile_interval(record[f"fnmr@{t}"], confidence) for t in fmr_targets},
            frr={t: percentile_interval(record[f"frr@{t}"], confidence) for t in fmr_targets},
            d_prime=percentile_interval(record["d_prime"], confidence),
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
