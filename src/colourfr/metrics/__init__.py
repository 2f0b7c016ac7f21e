"""ISO/IEC 19795-1 verification metrics from dissimilarity scores.

All functions are pure and typed; file reading lives in :mod:`colourfr.scores`.

Conventions (ISO/IEC 19795-1's definitions as the paper uses them, implemented exactly):

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

The package splits them by concept (:mod:`.thresholds`, :mod:`.rates`, :mod:`.curves`,
:mod:`.evaluation`, :mod:`.bootstrap`, :mod:`.paired`); every name is importable from here.
"""

from __future__ import annotations

from colourfr.metrics.bootstrap import (
    BootstrapResult,
    BootstrapSettings,
    GenuineSample,
    Interval,
    _BootstrapModel,
    _impostor_cells,
    _ImpostorCells,
    _replicate_threshold,
    _subject_codes,
    _weighted_threshold,
    percentile_interval,
    resampled_subject_counts,
    subject_bootstrap,
    subject_bootstrap_many,
    subject_bootstrap_mean,
    subject_bootstrap_means,
)
from colourfr.metrics.curves import (
    ErrorCurve,
    _equal_error_rate_from_curve,
    _equal_error_rate_sorted,
    _first_crossing_in,
    _largest_below,
    _rates_at,
    equal_error_rate,
    error_curve,
    frr_curve,
)
from colourfr.metrics.evaluation import (
    OperatingPoint,
    _operating_point,
    evaluate_scenario,
    evaluate_scenario_streamed,
)
from colourfr.metrics.paired import (
    McNemarResult,
    mcnemar_test,
    reject_decisions,
)
from colourfr.metrics.rates import (
    GenuineOutcome,
    _moments,
    decidability,
    decidability_from_moments,
    failure_to_acquire_rate,
    false_non_match_rate,
    false_reject_rate,
    genuine_outcome,
)
from colourfr.metrics.thresholds import (
    MetricsError,
    StreamingImpostorSelector,
    Threshold,
    _check_fmr_target,
    _threshold_from_order_statistic,
    _thresholds_sorted,
    rejected_rank,
    streaming_thresholds,
    threshold_at_fmr,
    thresholds_at_fmrs,
    valid_scores,
)

__all__ = [
    "BootstrapResult",
    "BootstrapSettings",
    "ErrorCurve",
    "GenuineOutcome",
    "GenuineSample",
    "Interval",
    "McNemarResult",
    "MetricsError",
    "OperatingPoint",
    "StreamingImpostorSelector",
    "Threshold",
    "_BootstrapModel",
    "_ImpostorCells",
    "_check_fmr_target",
    "_equal_error_rate_from_curve",
    "_equal_error_rate_sorted",
    "_first_crossing_in",
    "_impostor_cells",
    "_largest_below",
    "_moments",
    "_operating_point",
    "_rates_at",
    "_replicate_threshold",
    "_subject_codes",
    "_threshold_from_order_statistic",
    "_thresholds_sorted",
    "_weighted_threshold",
    "decidability",
    "decidability_from_moments",
    "equal_error_rate",
    "error_curve",
    "evaluate_scenario",
    "evaluate_scenario_streamed",
    "failure_to_acquire_rate",
    "false_non_match_rate",
    "false_reject_rate",
    "frr_curve",
    "genuine_outcome",
    "mcnemar_test",
    "percentile_interval",
    "reject_decisions",
    "rejected_rank",
    "resampled_subject_counts",
    "streaming_thresholds",
    "subject_bootstrap",
    "subject_bootstrap_many",
    "subject_bootstrap_mean",
    "subject_bootstrap_means",
    "threshold_at_fmr",
    "thresholds_at_fmrs",
    "valid_scores",
]
