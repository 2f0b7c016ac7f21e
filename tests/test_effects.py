"""Paired effects on FRR: hand-worked cases for every verdict, ties and failures to acquire
on one side, the bootstrap against brute-force resampling, Holm against a hand-worked
list, and the `colourfr effect` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colourfr.cli import main
from colourfr.metrics.effects import holm, paired_effect, subject_bootstrap_deltas, verdict

NAN = float("nan")


def test_verdicts_from_the_interval_and_the_margin() -> None:
    assert verdict((-0.04, -0.01), 0.005) == "better"
    assert verdict((0.002, 0.03), 0.005) == "worse"
    assert verdict((-0.004, 0.003), 0.005) == "equivalent"
    assert verdict((-0.02, 0.01), 0.005) == "inconclusive"
    # On the margin counts as within it; zero width at zero is equivalent.
    assert (
        verdict((-0.005, 0.005), 0.005) == "equivalent" and verdict((0.0, 0.0), 0.0) == "equivalent"
    )


def test_hand_worked_effect_with_ties_and_failures_on_one_side() -> None:
    # 6 pairs of 3 subjects, threshold 0.5 (accept iff score < 0.5).
    control = [0.2, 0.7, NAN, 0.1, 0.6, 0.3]  # rejects pairs 1, 2 (FTA), 4: FRR 3/6
    treatment = [0.2, 0.3, 0.4, NAN, 0.5, 0.3]  # rejects pair 3 (FTA), 4 (tie: 0.5 >= 0.5)
    subjects = ["a", "a", "b", "b", "c", "c"]
    effect = paired_effect("grey", "colourised", control, treatment, subjects, 0.5, 0.001,
                           replicates=200, seed=1)  # fmt: skip
    assert (effect.frr_control, effect.frr_treatment) == (0.5, pytest.approx(2 / 6))
    assert effect.delta_frr == pytest.approx(-1 / 6)
    assert effect.delta_fta == pytest.approx(0.0)  # one failure on each side, other pairs
    # FNMR on each side's valid pairs: control 2 of 5, treatment 1 of 5.
    assert effect.delta_fnmr == pytest.approx(1 / 5 - 2 / 5)
    # Discordant: pairs 1 and 2 rejected only by the control, pair 3 only by the treatment.
    assert (effect.only_control_rejects, effect.only_treatment_rejects) == (2, 1)
    assert effect.p_mcnemar == pytest.approx(1.0)  # binomial(1 of 3, 0.5), two-sided
    assert effect.n_pairs == 6 and effect.n_subjects == 3
    low, high = effect.delta_frr_ci
    assert low <= effect.delta_frr <= high and effect.verdict == "inconclusive"
    assert effect.detectable_delta > abs(effect.delta_frr) and effect.pairs_for_margin > 6


def test_a_clear_improvement_is_better_and_no_change_is_equivalent() -> None:
    rng = np.random.default_rng(3)
    subjects = np.repeat(np.arange(200), 5)
    control = rng.uniform(0, 1, subjects.size)
    improved = np.where(control > 0.8, control - 0.5, control)  # 20 % of pairs now accepted
    better = paired_effect("c", "t", control, improved, subjects, 0.8, 0.001, seed=2)
    assert better.verdict == "better" and better.delta_frr == pytest.approx(
        -(control >= 0.8).mean()
    )
    same = paired_effect("c", "t", control, control, subjects, 0.8, 0.001, margin=0.01)
    assert (
        same.delta_frr == 0.0 and same.delta_frr_ci == (0.0, 0.0) and same.verdict == "equivalent"
    )
    assert same.p_mcnemar == 1.0


def test_subject_bootstrap_equals_brute_force_resampling() -> None:
    differences = np.array([1, 0, -1, 1, 1, 0, 0, -1], dtype=float)
    subjects = np.array(["a", "a", "b", "b", "b", "c", "d", "d"])
    fast = subject_bootstrap_deltas(differences, subjects, replicates=300, seed=7)
    # The same draws by hand: subjects drawn with replacement, all their pairs taken.
    codes = np.unique(subjects)
    rng = np.random.default_rng(7)
    brute = []
    for _ in range(300):
        counts = np.bincount(rng.integers(0, codes.size, codes.size), minlength=codes.size)
        chosen = np.concatenate([np.repeat(differences[subjects == s][None], k, 0).ravel()
                                 for s, k in zip(codes, counts) if k])  # fmt: skip
        brute.append(chosen.mean())
    np.testing.assert_allclose(fast, brute)


def test_holm_hand_worked() -> None:
    # Sorted 0.01, 0.02, 0.03, 0.04 with m = 4: 0.04, 0.06, 0.06 (monotone), 0.06.
    np.testing.assert_allclose(holm([0.03, 0.01, 0.04, 0.02]), [0.06, 0.04, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])


def scores_file(path: Path, rows: list[tuple[str, str, bool, float]]) -> Path:
    frame = pd.DataFrame(rows, columns=["reference", "probe", "genuine", "score"])
    frame["failure"] = [None if np.isfinite(s) else "probe:no_face" for s in frame["score"]]
    frame.to_csv(path, index=False)
    return path


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    genuine = [(f"r{i}", f"p{i}", True) for i in range(6)]
    impostors = [(f"r{i}", f"p{j}", False, 0.9 + 0.001 * (i * 6 + j))
                 for i in range(6) for j in range(6) if i != j]  # fmt: skip
    control = [0.2, 0.95, NAN, 0.1, 0.99, 0.3]
    treatment = [0.2, 0.3, 0.4, NAN, 0.5, 0.3]
    return {
        "baseline": scores_file(tmp_path / "s1.csv", [(*g, 0.1) for g in genuine] + impostors),
        "control": scores_file(tmp_path / "s3.csv", [(*g, s) for g, s in zip(genuine, control)]),
        "treatment": scores_file(
            tmp_path / "s4.csv", [(*g, s) for g, s in zip(genuine, treatment)]
        ),
    }


def test_effect_command_json(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["effect", "--baseline", str(files["baseline"]), str(files["control"]),
                 str(files["treatment"]), "--fmr", "0.1", "--bootstrap", "100"])  # fmt: skip
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) >= {"control", "treatment", "fmr_target", "threshold", "n_pairs",
                           "n_subjects", "frr_control", "frr_treatment", "delta_frr",
                           "delta_frr_ci", "delta_fnmr", "delta_fta", "p_mcnemar", "margin",
                           "verdict", "detectable_delta"}  # fmt: skip
    # 30 impostors at FMR 0.1: k = 3, the threshold is the 4th smallest, 0.904.
    assert record["threshold"] == pytest.approx(0.904)
    assert record["frr_control"] == pytest.approx(3 / 6) and record[
        "frr_treatment"
    ] == pytest.approx(1 / 6)
    assert record["n_subjects"] == 6  # no subject column: one reference per subject


def test_effect_command_md_and_a_pair_missing_from_one_file(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["effect", "--baseline", str(files["baseline"]), str(files["control"]),
                 str(files["treatment"]), "--fmr", "0.1", "--format", "md"])  # fmt: skip
    table = capsys.readouterr().out
    header = table.splitlines()[0]
    assert code == 0 and "Verdict" in header and "Dataset" not in header and "inconclusive" in table
    short = tmp_path / "short.csv"
    frame = pd.read_csv(files["treatment"])
    frame.iloc[:-1].to_csv(short, index=False)
    code = main(["effect", "--baseline", str(files["baseline"]), str(files["control"]), str(short)])
    err = capsys.readouterr().err
    assert code == 2 and "6 genuine pairs" in err and "5" in err and "only in the first" in err


def test_a_few_identical_outcomes_are_not_evidence_of_equivalence() -> None:
    # Four pairs, all accepted on both sides: the bootstrap interval is [0, 0], yet four
    # comparisons cannot tell a change of half a point from none.
    effect = paired_effect("c", "t", [0.1] * 4, [0.2] * 4, ["a", "b", "c", "d"], 0.5, 0.001)
    assert effect.delta_frr_ci == (0.0, 0.0) and effect.verdict == "inconclusive"
    assert effect.detectable_delta > effect.margin and effect.pairs_for_margin > 4
