"""Scenarios as data: expansion per colouriser and the pairs for paired tests."""

from __future__ import annotations

from colourfr.scenarios import expand_scenarios, grey_counterpart, paired_test_pairs

PAPER = [
    {"id": "s1", "reference": "original", "probe": "original", "impostors": True, "baseline": True},
    {"id": "s2", "reference": "original", "probe": "grey"},
    {"id": "s3", "reference": "grey", "probe": "grey"},
    {"id": "s4", "reference": "colourised", "probe": "colourised"},
    {"id": "s5", "reference": "original", "probe": "colourised"},
]


def test_each_colourised_scenario_is_paired_with_its_greyscale_counterpart() -> None:
    instances = expand_scenarios(PAPER, ["a", "b"])
    by_id = {i.id: i for i in instances}
    assert grey_counterpart(by_id["s4-a"], instances).id == "s3"
    assert grey_counterpart(by_id["s5-b"], instances).id == "s2"
    assert grey_counterpart(by_id["s2"], instances) is None
    pairs = paired_test_pairs(instances)
    assert pairs[:6] == [("s1", s) for s in ("s2", "s3", "s4-a", "s4-b", "s5-a", "s5-b")]
    assert pairs[6:] == [("s3", "s4-a"), ("s3", "s4-b"), ("s2", "s5-a"), ("s2", "s5-b")]


def test_a_colourised_scenario_without_greyscale_counterpart_gets_none() -> None:
    scenarios = [PAPER[0], {"id": "s6", "reference": "colourised", "probe": "original"}]
    instances = expand_scenarios(scenarios, ["a"])
    assert grey_counterpart(instances[1], instances) is None
    assert paired_test_pairs(instances) == [("s1", "s6-a")]
