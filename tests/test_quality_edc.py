"""Error-versus-discard characteristic on small hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from colourfr.quality.edc import (
    EDCError,
    baseline_threshold,
    edc_curve,
    edc_table,
    genuine_pair_qualities,
    pair_quality,
    partial_area,
    scenario_edc,
)


def test_pair_quality_is_the_lower_one_and_nan_propagates():
    np.testing.assert_array_equal(
        pair_quality([0.2, 0.9, np.nan], [0.5, 0.4, 0.3]), [0.2, 0.4, np.nan]
    )


def test_curve_by_hand():
    # Threshold 0.5 (accept iff score < 0.5). Valid genuine pairs sorted by quality:
    # q=1 score .9 (error), q=2 .8 (error), q=3 .2, q=5 .1; the NaN score is left out.
    curve = edc_curve([0.1, 0.9, 0.2, 0.8, math.nan], [5, 1, 3, 2, 0], threshold=0.5)
    np.testing.assert_allclose(curve.discard_fraction, [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(curve.fnmr, [2 / 4, 1 / 3, 0, 0])
    np.testing.assert_array_equal(curve.n_remaining, [4, 3, 2, 1])
    np.testing.assert_array_equal(curve.quality_threshold, [1, 2, 3, 5])
    assert curve.n_total == 4
    # area over [0, 0.5]: 0.25 * 1/2 + 0.25 * 1/3
    assert partial_area(curve, 0.5) == pytest.approx(0.125 + 0.25 / 3)
    # over [0, 0.1]: only the first step
    assert partial_area(curve, 0.1) == pytest.approx(0.05)


def test_ties_are_discarded_together():
    # Two pairs tie at the lowest quality: the curve jumps from 0 to 2/4 discarded.
    curve = edc_curve([0.9, 0.1, 0.9, 0.1], [1, 1, 2, 3], threshold=0.5)
    np.testing.assert_allclose(curve.discard_fraction, [0, 0.5, 0.75])
    np.testing.assert_allclose(curve.fnmr, [0.5, 0.5, 0.0])


def test_score_equal_to_threshold_is_a_non_match():
    curve = edc_curve([0.5, 0.49], [1, 2], threshold=0.5)
    np.testing.assert_allclose(curve.fnmr, [0.5, 0.0])


def test_unassessable_pairs_are_discarded_first():
    curve = edc_curve([0.9, 0.1, 0.2], [np.nan, 0.3, 0.4], threshold=0.5)
    np.testing.assert_allclose(curve.discard_fraction, [0, 1 / 3, 2 / 3])
    np.testing.assert_allclose(curve.fnmr, [1 / 3, 0, 0])


def test_errors():
    with pytest.raises(EDCError, match="no genuine"):
        edc_curve([math.nan], [1.0], 0.5)
    with pytest.raises(EDCError, match="pair qualities"):
        edc_curve([0.1, 0.2], [1.0], 0.5)
    with pytest.raises(EDCError, match="max_discard"):
        partial_area(edc_curve([0.1], [1.0], 0.5), 0.0)


def test_baseline_threshold_rule():
    # N = 10 impostors, FMR 0.1: k = 1, t = s_2 = 0.2
    impostors = [0.5, 0.1, 0.9, 0.2, 0.8, 0.7, 0.6, 0.4, 0.3, 1.0, math.nan]
    assert baseline_threshold(impostors, 0.1) == 0.2


def test_scenario_edc_joins_qualities_by_image_and_side():
    scores = pd.DataFrame(
        {
            "reference": ["r1", "r1", "r2", "r3"],
            "probe": ["p1", "p9", "p2", "p3"],
            "genuine": [True, False, True, True],
            "score": [0.9, 0.3, 0.1, 0.2],
            "failure": [None, None, None, None],
        }
    )
    reference_quality = pd.Series({"r1": 0.8, "r2": 0.3, "r3": 0.9})
    # p1 has the lowest quality on the probe side, so pair 1 goes first.
    probe_quality = pd.Series({"p1": 0.1, "p2": 0.7, "p3": 0.6})
    genuine = genuine_pair_qualities(scores, reference_quality, probe_quality)
    np.testing.assert_allclose(genuine["pair_quality"], [0.1, 0.3, 0.6])
    result = scenario_edc(
        "s2", scores, reference_quality, probe_quality, threshold=0.5, max_discard=0.5
    )
    np.testing.assert_allclose(result.curve.fnmr, [1 / 3, 0, 0])
    assert result.partial_area == pytest.approx(1 / 3 * 1 / 3)
    table = edc_table([result])
    assert list(table["scenario"].unique()) == ["s2"] and len(table) == 3
