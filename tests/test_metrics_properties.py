"""Hypothesis properties of the ISO/IEC 19795-1 metrics."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from colourfr.metrics import (
    _equal_error_rate_from_curve,
    _weighted_threshold,
    decidability,
    equal_error_rate,
    evaluate_scenario,
    streaming_thresholds,
    threshold_at_fmr,
    thresholds_at_fmrs,
)

# Scores on a coarse grid so that ties are common; NaN marks a failure.
grid_score = st.integers(0, 40).map(lambda i: i / 40.0)
maybe_failed = st.one_of(grid_score, st.just(math.nan))
impostor_lists = st.lists(maybe_failed, min_size=1, max_size=300).filter(
    lambda xs: any(not math.isnan(x) for x in xs)
)
genuine_lists = st.lists(maybe_failed, min_size=1, max_size=60)
fmr_targets = st.floats(min_value=1e-4, max_value=0.999, allow_nan=False)

FAST = settings(max_examples=80, deadline=None)


@FAST
@given(impostor_lists, fmr_targets)
def test_achieved_fmr_never_exceeds_target_and_is_most_permissive(impostors, target) -> None:
    t = threshold_at_fmr(impostors, target)
    valid = np.array([x for x in impostors if not math.isnan(x)])
    assert t.threshold is not None and t.achieved_fmr is not None
    assert t.achieved_fmr <= target
    assert t.achieved_fmr == np.count_nonzero(valid < t.threshold) / valid.size
    # Any threshold above t would also accept s_(k+1) = t and exceed the target.
    assert np.count_nonzero(valid <= t.threshold) / valid.size > target


@FAST
@given(genuine_lists, impostor_lists, fmr_targets, fmr_targets)
def test_fnmr_non_increasing_as_target_grows(genuine, impostors, a, b) -> None:
    low, high = sorted((a, b))
    p_low, p_high = evaluate_scenario(genuine, impostors, [low, high])
    assert p_low.threshold <= p_high.threshold
    if p_low.fnmr is not None:
        assert p_high.fnmr <= p_low.fnmr
        assert p_high.frr <= p_low.frr


@FAST
@given(genuine_lists, impostor_lists, fmr_targets)
def test_frr_identity(genuine, impostors, target) -> None:
    (point,) = evaluate_scenario(genuine, impostors, [target])
    n_failed = sum(math.isnan(x) for x in genuine)
    assert point.fta == n_failed / len(genuine)
    if point.fnmr is None:
        assert point.fta == 1.0 and point.frr == 1.0
    else:
        assert math.isclose(point.frr, point.fta + point.fnmr * (1.0 - point.fta))
    assert 0.0 <= point.frr <= 1.0


@FAST
@given(genuine_lists, impostor_lists, fmr_targets, st.randoms(use_true_random=False))
def test_invariant_to_row_order(genuine, impostors, target, rnd) -> None:
    shuffled_g, shuffled_i = list(genuine), list(impostors)
    rnd.shuffle(shuffled_g)
    rnd.shuffle(shuffled_i)
    before = evaluate_scenario(genuine, impostors, [target])
    after = evaluate_scenario(shuffled_g, shuffled_i, [target])
    for x, y in zip(before, after):
        assert x.threshold == y.threshold and x.fnmr == y.fnmr and x.fta == y.fta
        assert x.eer == y.eer or (x.eer is not None and math.isclose(x.eer, y.eer))
        assert x.d_prime == y.d_prime or math.isclose(x.d_prime, y.d_prime, rel_tol=1e-9)


@FAST
@given(impostor_lists, st.lists(fmr_targets, min_size=1, max_size=3), st.integers(1, 17))
def test_streaming_equals_in_memory(impostors, targets, n_blocks) -> None:
    scores = np.array(impostors)
    selector = streaming_thresholds(np.array_split(scores, n_blocks), targets, scores.size)
    assert selector.thresholds() == thresholds_at_fmrs(scores, targets)


@FAST
@given(impostor_lists, fmr_targets)
def test_unit_weights_reproduce_the_plain_rule(impostors, target) -> None:
    valid = np.sort([x for x in impostors if not math.isnan(x)])
    weighted = _weighted_threshold(valid, np.cumsum(np.ones(valid.size, dtype=np.int64)), target)
    assert weighted == threshold_at_fmr(valid, target).threshold


@FAST
@given(
    st.lists(grid_score, min_size=2, max_size=50),
    st.lists(grid_score, min_size=2, max_size=50),
    st.floats(-5, 5, allow_nan=False),
)
def test_d_prime_shift_invariant_and_eer_bounded(genuine, impostors, shift) -> None:
    d = decidability(genuine, impostors)
    moved = decidability(np.add(genuine, shift), np.add(impostors, shift))
    # d' is None only for two identical point masses and infinite for two different ones;
    # a shift keeps identical values identical, so both cases survive it exactly.
    if d is None or math.isinf(d):
        assert moved == d
    else:
        assert moved is not None and math.isclose(d, moved, rel_tol=1e-6, abs_tol=1e-9)
    eer = equal_error_rate(genuine, impostors)
    assert eer is not None and 0.0 <= eer <= 1.0


@FAST
@given(st.lists(grid_score, min_size=1, max_size=80), st.lists(grid_score, min_size=1, max_size=80))
def test_fast_eer_equals_full_curve_eer(genuine, impostors) -> None:
    fast = equal_error_rate(genuine, impostors)
    assert fast is not None
    assert math.isclose(fast, _equal_error_rate_from_curve(genuine, impostors), abs_tol=1e-12)
