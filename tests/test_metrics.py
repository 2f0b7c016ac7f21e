"""Hand-worked cases for colourfr.metrics (each expected value derived in the comment)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from colourfr.errors import ColourfrError
from colourfr.metrics import (
    BootstrapSettings,
    GenuineSample,
    MetricsError,
    StreamingImpostorSelector,
    _BootstrapModel,
    _weighted_threshold,
    decidability,
    equal_error_rate,
    error_curve,
    evaluate_scenario,
    false_reject_rate,
    genuine_outcome,
    mcnemar_test,
    reject_decisions,
    rejected_rank,
    streaming_thresholds,
    subject_bootstrap,
    threshold_at_fmr,
    thresholds_at_fmrs,
)

TEN = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 1.0, 0.4, 0.8, 0.6]  # 0.1 .. 1.0 shuffled


def test_threshold_is_k_plus_first_smallest() -> None:
    # N=10, FMR=0.1 -> k=1 -> t = s_2 = 0.2; only 0.1 < 0.2 -> achieved 1/10.
    t = threshold_at_fmr(TEN, 0.1)
    assert t.threshold == 0.2
    assert t.achieved_fmr == pytest.approx(0.1)
    assert t.n_impostor_valid == 10
    # FMR=0.25 -> k=floor(2.5)=2 -> t = s_3 = 0.3, achieved 2/10.
    t = threshold_at_fmr(TEN, 0.25)
    assert (t.threshold, t.achieved_fmr) == (0.3, pytest.approx(0.2))


def test_rank_is_exact_where_binary_floating_point_is_not() -> None:
    # 0.29 * 100 = 28.999999999999996 and 0.043 * 1e4 = 429.99999999999994 in float64.
    assert math.floor(0.29 * 100) == 28 and rejected_rank(0.29, 100) == 29
    assert rejected_rank(0.043, 10_000) == 430
    assert rejected_rank(0.001, 999) == 0 and rejected_rank(0.001, 1000) == 1
    # a target that is itself a float quotient: 1/3 of 3 impostors may be accepted
    assert rejected_rank(1 / 3, 3) == 1 and rejected_rank(np.nextafter(1 / 3, 0), 3) == 0
    assert rejected_rank(0.5, 0) == 0 and rejected_rank(1.0, 4) == 4
    # scores 0..99: k = 29 -> t = s_30 = 29, 29 scores below it, achieved exactly 0.29.
    scores = np.arange(100, dtype=float)
    t = threshold_at_fmr(scores, 0.29)
    assert (t.threshold, t.achieved_fmr) == (29.0, 0.29)
    assert (
        streaming_thresholds([scores[::-1]], [0.29], max_count=100).thresholds()[0].threshold
        == 29.0
    )


def test_ties_at_the_threshold_lower_the_achieved_fmr() -> None:
    # sorted 0.1 0.2 0.2 0.2 0.5; FMR=0.4 -> k=2 -> t=s_3=0.2; only 0.1 < 0.2 -> 1/5.
    t = threshold_at_fmr([0.2, 0.5, 0.1, 0.2, 0.2], 0.4)
    assert t.threshold == 0.2
    assert t.achieved_fmr == pytest.approx(0.2)


def test_fewer_impostors_than_one_over_fmr() -> None:
    # N=5, FMR=0.001 -> k=0 -> t = min = 0.1, nothing below it: achieved 0, with a note.
    t = threshold_at_fmr([0.3, 0.1, 0.4, 0.2, 0.5], 0.001)
    assert t.threshold == 0.1
    assert t.achieved_fmr == 0.0
    assert "1/FMR" in t.note


def test_nan_impostors_are_ignored() -> None:
    # valid = {0.1, 0.3}: N=2, FMR=0.5 -> k=1 -> t=0.3, achieved 1/2.
    t = threshold_at_fmr([math.nan, 0.3, 0.1], 0.5)
    assert (t.threshold, t.achieved_fmr, t.n_impostor_valid) == (0.3, 0.5, 2)


def test_no_threshold_is_reported_not_raised() -> None:
    t = threshold_at_fmr([math.nan], 0.001)
    assert t.threshold is None and not t.defined and "no valid impostor" in t.note
    # FMR=1: k=N, s_(N+1) does not exist.
    t = threshold_at_fmr([0.1, 0.2], 1.0)
    assert t.threshold is None and "exceeds" in t.note


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, math.nan])
def test_fmr_target_out_of_range(bad: float) -> None:
    with pytest.raises(MetricsError):
        threshold_at_fmr(TEN, bad)


def test_sorted_and_partition_paths_agree() -> None:
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 50, 3000) / 50.0  # many ties
    for target, via_sort in zip((0.001, 0.01, 0.3), thresholds_at_fmrs(scores, (0.001, 0.01, 0.3))):
        assert threshold_at_fmr(scores, target) == via_sort


def test_fnmr_counts_ties_at_threshold_as_rejects() -> None:
    # t=0.2: 0.2 (tie) and 0.3 are >= t -> rejected; FNMR = 2/3; no failures.
    outcome = genuine_outcome([0.2, 0.1, 0.3], 0.2)
    assert outcome.fnmr == pytest.approx(2 / 3)
    assert outcome.fta == 0.0 and outcome.frr == pytest.approx(2 / 3)


def test_frr_identity_with_failures() -> None:
    # 4 genuine, 1 failed -> FTA 1/4; valid {0.1, 0.5, 0.6} at t=0.3: 2 rejected -> 2/3;
    # FRR = 1/4 + 2/3 * 3/4 = 3/4.
    outcome = genuine_outcome([math.nan, 0.1, 0.5, 0.6], 0.3)
    assert outcome.fta == 0.25
    assert outcome.fnmr == pytest.approx(2 / 3)
    assert outcome.frr == pytest.approx(0.75)
    assert (outcome.n_genuine, outcome.n_genuine_valid) == (4, 3)


def test_all_genuine_failed() -> None:
    outcome = genuine_outcome([math.nan, math.nan], 0.3)
    assert outcome.fta == 1.0 and outcome.fnmr is None and outcome.frr == 1.0
    assert false_reject_rate(None, None) is None
    assert false_reject_rate(0.5, None) is None


def test_decidability_uses_population_sd() -> None:
    # genuine {0, 2}: mean 1, population SD 1; impostor {4, 6}: mean 5, SD 1 -> d' = 4/1.
    # (sample SDs would give 4/sqrt(2).)
    assert decidability([0.0, 2.0, math.nan], [4.0, 6.0]) == pytest.approx(4.0)
    assert decidability([math.nan], [1.0]) is None
    assert decidability([1.0], [2.0]) == math.inf
    assert decidability([1.0], [1.0]) is None
    # an infinite d' is said in the note (JSON shows it as null, like an undefined one)
    (point,) = evaluate_scenario([0.1, 0.1], [0.9, 0.9, 0.9], [0.5])
    assert point.d_prime == math.inf and "d' infinite" in point.note
    (point,) = evaluate_scenario([0.1, 0.3], [0.9, 0.7, 0.8], [0.5])
    assert "d' infinite" not in point.note


def test_eer_where_curves_meet_exactly() -> None:
    # t=0.4: FMR = #{imp<0.4}/4 = 1/4 (0.35); FNMR = #{gen>=0.4}/4 = 1/4 -> EER 0.25.
    assert equal_error_rate([0.1, 0.2, 0.3, 0.4], [0.35, 0.5, 0.6, 0.7]) == pytest.approx(0.25)


def test_eer_separable_is_zero_and_interpolated_case() -> None:
    assert equal_error_rate([0.1, 0.2], [0.5, 0.6]) == 0.0
    # points (FMR, FNMR): t=0.3 -> (1/2, 1), t=0.5 -> (1/2, 0): crossing half way -> 1/2.
    assert equal_error_rate([0.3], [0.1, 0.5]) == pytest.approx(0.5)
    assert equal_error_rate([math.nan], [0.1]) is None


def test_error_curve_monotone_and_bounded() -> None:
    rng = np.random.default_rng(3)
    curve = error_curve(rng.normal(0.4, 0.1, 500), rng.normal(0.9, 0.1, 5000), max_points=50)
    assert curve.thresholds.size <= 51
    assert np.all(np.diff(curve.fmr) >= 0) and np.all(np.diff(curve.fnmr) <= 0)
    assert curve.fmr[-1] == 1.0 and curve.fnmr[-1] == 0.0
    with pytest.raises(MetricsError):
        error_curve([], [0.1])


def test_evaluate_scenario_row_per_target() -> None:
    genuine = [math.nan, 0.05, 0.15, 0.25]
    points = evaluate_scenario(genuine, TEN, [0.1, 0.25])
    # FMR 0.1 -> t=0.2: valid genuine >= 0.2 is {0.25} -> FNMR 1/3; FTA 1/4; FRR 1/2.
    first = points[0]
    assert (first.threshold, first.fta) == (0.2, 0.25)
    assert first.fnmr == pytest.approx(1 / 3) and first.frr == pytest.approx(0.5)
    # FMR 0.25 -> t=0.3: nothing rejected; FRR = FTA.
    assert points[1].fnmr == 0.0 and points[1].frr == 0.25
    assert first.n_impostor_valid == 10 and first.n_genuine_valid == 3
    assert first.d_prime == points[1].d_prime is not None


def test_streaming_selector_matches_in_memory_with_ties_and_nans() -> None:
    rng = np.random.default_rng(7)
    scores = np.round(rng.normal(1.0, 0.1, 200_000), 3)  # rounding creates ties
    scores[rng.integers(0, scores.size, 1000)] = np.nan
    targets = (0.0001, 0.001, 0.01)
    blocks = np.array_split(scores, 37)
    selector = streaming_thresholds(blocks, targets, max_count=scores.size)
    assert selector.thresholds() == thresholds_at_fmrs(scores, targets)
    valid = scores[np.isfinite(scores)]
    assert selector.mean == pytest.approx(valid.mean())
    assert selector.population_sd == pytest.approx(valid.std())
    # Bounded memory: only floor(0.01 * N) + 1 scores are ever kept.
    assert selector.kept_bytes <= (math.floor(0.01 * scores.size) + 1) * 8


def test_streaming_selector_rejects_more_than_declared() -> None:
    selector = StreamingImpostorSelector((0.001,), max_count=5)
    with pytest.raises(MetricsError, match="max_count"):
        selector.update(np.zeros(6))


def test_weighted_threshold_on_multiset() -> None:
    # multiset {0.1, 0.1, 0.3}; FMR=0.5 -> total 3, k=1 -> 2nd smallest = 0.1.
    scores = np.array([0.1, 0.2, 0.3])
    assert _weighted_threshold(scores, np.cumsum([2, 0, 1]), 0.5) == 0.1
    # FMR 0.7 -> k=2 -> 3rd smallest = 0.3.
    assert _weighted_threshold(scores, np.cumsum([2, 0, 1]), 0.7) == 0.3
    assert _weighted_threshold(scores, np.cumsum([0, 0, 0]), 0.5) is None


def _bootstrap_data(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    subjects = np.array([f"s{i}" for i in range(40)])
    genuine_subjects = np.repeat(subjects, 3)
    genuine = rng.normal(0.4, 0.1, genuine_subjects.size)
    genuine[::17] = np.nan
    ref, probe = np.meshgrid(subjects, genuine_subjects, indexing="ij")
    mask = ref != probe
    impostor = rng.normal(0.95, 0.05, mask.sum())
    return {
        "genuine_scores": genuine,
        "genuine_subjects": genuine_subjects,
        "impostor_scores": impostor,
        "impostor_reference_subjects": ref[mask],
        "impostor_probe_subjects": probe[mask],
    }


def test_bootstrap_is_seeded_and_covers_point_estimate() -> None:
    data = _bootstrap_data()
    first = subject_bootstrap(
        **data, fmr_targets=[0.01], settings=BootstrapSettings(replicates=60, seed=5)
    )
    again = subject_bootstrap(
        **data, fmr_targets=[0.01], settings=BootstrapSettings(replicates=60, seed=5)
    )
    other = subject_bootstrap(
        **data, fmr_targets=[0.01], settings=BootstrapSettings(replicates=60, seed=6)
    )
    assert first == again
    assert first != other
    point = evaluate_scenario(data["genuine_scores"], data["impostor_scores"], [0.01])[0]
    assert first.fta.low <= point.fta <= first.fta.high
    assert first.d_prime.low <= point.d_prime <= first.d_prime.high
    assert first.fta.low < first.fta.high
    assert first.fta.replicates_used == first.d_prime.replicates_used == 60


@pytest.mark.parametrize("seed, tail_size", [(0, None), (1, 3), (2, 200)])
def test_bootstrap_replicate_equals_explicitly_resampled_population(
    seed: int, tail_size: int | None
) -> None:
    # One replicate, computed the fast way (cell sums, low tail), must equal evaluating the
    # resampled population written out row by row: genuine rows of subject s repeated m_s
    # times, impostor rows (a, b) repeated m_a * m_b times.
    data = _bootstrap_data(seed)
    data["impostor_scores"] = np.round(data["impostor_scores"], 2)  # ties in the tail
    data["impostor_scores"][::50] = np.nan
    targets = [0.001, 0.01, 0.2]
    model = _BootstrapModel(
        {"x": GenuineSample(data["genuine_scores"], data["genuine_subjects"])},
        data["impostor_scores"],
        data["impostor_reference_subjects"],
        data["impostor_probe_subjects"],
        targets,
        tail_size=tail_size,  # 3: thresholds beyond the tail; 200: 0.2 beyond, others in
    )
    rng = np.random.default_rng(100 + seed)
    n = len(model.subjects)
    multiplicity = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
    fast = model.replicate(multiplicity)["x"]

    m = dict(zip(model.subjects, multiplicity.astype(int)))
    genuine = np.repeat(data["genuine_scores"], [m[s] for s in data["genuine_subjects"]])
    impostor = np.repeat(
        data["impostor_scores"],
        [
            m[a] * m[b]
            for a, b in zip(data["impostor_reference_subjects"], data["impostor_probe_subjects"])
        ],
    )
    naive = evaluate_scenario(genuine, impostor, targets)
    assert fast["fta"] == pytest.approx(naive[0].fta)
    assert fast["d_prime"] == pytest.approx(naive[0].d_prime, rel=1e-9)
    for point in naive:
        assert fast[f"fnmr@{point.fmr_target}"] == pytest.approx(point.fnmr)
        assert fast[f"frr@{point.fmr_target}"] == pytest.approx(point.frr)


def test_bootstrap_single_subject_is_degenerate() -> None:
    # One subject: every replicate redraws it once, so intervals collapse to the estimate;
    # there are no impostors, so no threshold and no FNMR interval.
    result = subject_bootstrap(
        [0.1, math.nan, 0.3, 0.2],
        ["a"] * 4,
        [],
        [],
        [],
        fmr_targets=[0.001],
        settings=BootstrapSettings(replicates=20),
    )
    assert result.fta.low == result.fta.high == 0.25
    assert result.fnmr[0.001].low is None and result.d_prime.low is None
    # the interval says how many replicates stand behind it: all 20 for FTA, none for FNMR
    assert result.fta.replicates_used == 20 and result.fnmr[0.001].replicates_used == 0


def test_bootstrap_validates_inputs() -> None:
    with pytest.raises(MetricsError):
        subject_bootstrap([0.1], ["a", "b"], [], [], [], [0.001], BootstrapSettings(replicates=5))
    with pytest.raises(MetricsError):
        subject_bootstrap([0.1], ["a"], [], [], [], [0.001], BootstrapSettings(replicates=0))


def test_mcnemar_hand_worked() -> None:
    # 10 pairs only A rejects, 0 only B: exact two-sided p = 2 * 0.5^10.
    a = np.array([True] * 10 + [True] * 5 + [False] * 5)
    b = np.array([False] * 10 + [True] * 5 + [False] * 5)
    result = mcnemar_test(a, b)
    assert (result.only_a_rejects, result.only_b_rejects) == (10, 0)
    assert (result.both_reject, result.both_accept, result.n_pairs) == (5, 5, 20)
    assert result.p_value == pytest.approx(2 * 0.5**10)
    assert result.statistic == pytest.approx(81 / 10)  # (|10-0|-1)^2 / 10
    assert mcnemar_test(a, a).p_value == 1.0
    with pytest.raises(MetricsError):
        mcnemar_test(a, b[:-1])


def test_reject_decisions_count_failures() -> None:
    assert reject_decisions([0.1, 0.3, math.nan, 0.2], 0.2).tolist() == [False, True, True, True]


def test_metrics_error_is_a_colourfr_error() -> None:
    assert issubclass(MetricsError, ColourfrError)
