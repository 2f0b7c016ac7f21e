"""Identification metrics: hand-worked cases, properties, CLI."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colourfr.cli import main as cli_main
from colourfr.metrics import MetricsError
from colourfr.metrics.identification import (
    cmc,
    evaluate_identification,
    fnir,
    fpir_thresholds,
    searches,
)
from colourfr.scores import write_scores

NAN = float("nan")
# Gallery ra, rb, rc (subjects a, b, c); subjects x, y have no reference (non-mated).
ROWS = [
    # probe pa1: mate 0.3, best -> rank 1
    ("ra", "pa1", True, 0.3), ("rb", "pa1", False, 0.5), ("rc", "pa1", False, 0.6),
    # probe pa2: mate 0.5 tied with rb, rc below -> rank 1 + 2 = 3 (ties count against)
    ("ra", "pa2", True, 0.5), ("rb", "pa2", False, 0.5), ("rc", "pa2", False, 0.2),
    # probe pb1: its mate comparison failed -> no rank
    ("ra", "pb1", False, 0.7), ("rb", "pb1", True, NAN), ("rc", "pb1", False, 0.8),
    # probe pc1 failed to acquire -> no candidates
    ("ra", "pc1", False, NAN), ("rb", "pc1", False, NAN), ("rc", "pc1", True, NAN),
    # non-mated px1 (minimum 0.4) and px2 (minimum 0.35); py1 failed
    ("ra", "px1", False, 0.4), ("rb", "px1", False, 0.7), ("rc", "px1", False, 0.45),
    ("ra", "px2", False, 0.8), ("rb", "px2", False, 0.35), ("rc", "px2", False, 0.9),
    ("ra", "py1", False, NAN), ("rb", "py1", False, NAN), ("rc", "py1", False, NAN),
]  # fmt: skip


def frame(rows: list[tuple[str, str, bool, float]] = ROWS) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["reference", "probe", "genuine", "score"])
    table["failure"] = [None if np.isfinite(s) else "no_face" for s in table["score"]]
    return table


def test_ranks_cmc_and_counts_hand_worked() -> None:
    found = searches(frame())
    ranks = dict(zip(found.probes, found.rank))
    assert {p: ranks[p] for p in ("pa1", "pa2", "pb1", "pc1")} == {
        "pa1": 1, "pa2": 3, "pb1": 0, "pc1": 0,
    }  # fmt: skip
    assert (found.n_mated, found.n_mated_failed) == (4, 2)
    assert (found.n_non_mated, found.n_non_mated_failed) == (3, 1)
    assert cmc(found, 4).tolist() == [0.25, 0.25, 0.5, 0.5]


def test_open_set_thresholds_and_fnir_hand_worked() -> None:
    found = searches(frame())
    wide, narrow = fpir_thresholds(found, [0.5, 0.1])
    # N = 2 minima (0.35, 0.4). FPIR 0.5: k = 1, T = m_2 = 0.4; px1's minimum equals T
    # and is not below it, so the achieved FPIR is 1/2, not 2/2.
    assert (wide.threshold, wide.achieved_fmr) == (0.4, 0.5)
    # FPIR 0.1 < 1/N: k = 0, T = m_1 = 0.35, achieved FPIR 0.
    assert (narrow.threshold, narrow.achieved_fmr) == (0.35, 0.0)
    # Only pa1 (rank 1, mate 0.3 < T) is a hit at either threshold: FNIR 3/4.
    assert fnir(found, 0.4) == fnir(found, 0.35) == 0.75
    assert fnir(found, 0.3) == 1.0  # mate score >= T is a miss
    results = evaluate_identification({"f": found}, [0.5, 0.1], max_rank=3)
    assert results[1].note.startswith("only 2 valid non-mated searches (< 1/FPIR = 10)")
    assert results[0].rank1 == 0.25 and results[0].cmc == [0.25, 0.25, 0.5]


def test_bad_input_is_one_clear_error() -> None:
    twice = [*ROWS, ("rb", "pa1x", True, 0.2), ("rc", "pa1x", True, 0.3)]
    with pytest.raises(MetricsError, match=r"s.csv: row 23: probe 'pa1x' has a genuine row"):
        searches(frame(twice), "s.csv")
    with pytest.raises(MetricsError, match="empty gallery"):
        searches(frame([]), "e.csv")


def test_file_without_non_mated_searches_gives_rank_only() -> None:
    mated_only = [r for r in ROWS if not r[1].startswith(("px", "py"))]
    (result,) = evaluate_identification({"m": searches(frame(mated_only))}, [0.1])
    assert (result.threshold, result.fpir, result.fnir) == (None, None, None)
    assert result.rank1 == 0.25 and result.note.startswith("no valid non-mated search")


@st.composite
def score_matrices(draw: st.DrawFn) -> pd.DataFrame:
    n_refs = draw(st.integers(1, 5))
    n_probes = draw(st.integers(1, 8))
    rows = []
    for p in range(n_probes):
        mate = draw(st.one_of(st.none(), st.integers(0, n_refs - 1)))
        for r in range(n_refs):
            score = draw(st.one_of(st.just(NAN), st.sampled_from([0.1, 0.2, 0.3, 0.5, 0.8])))
            rows.append((f"r{r}", f"p{p}", mate == r, score))
    return frame(rows)


@settings(max_examples=150, deadline=None)
@given(score_matrices(), st.randoms(use_true_random=False))
def test_identification_properties(table: pd.DataFrame, rng: object) -> None:
    found = searches(table)
    n_refs = table["reference"].nunique()
    curve = cmc(found, n_refs)
    if found.n_mated:
        assert np.all(np.diff(curve) >= 0)
        reachable = (found.mated & (found.rank > 0)).sum() / found.n_mated
        assert curve[-1] == pytest.approx(reachable)
    targets = [0.01, 0.1, 0.25, 0.5, 0.9]
    thresholds = fpir_thresholds(found, targets)
    fnirs = [fnir(found, t.threshold) for t in thresholds]
    for target, threshold in zip(targets, thresholds):
        if threshold.defined:
            assert threshold.achieved_fmr <= target
    defined = [f for f in fnirs if f is not None]
    assert all(a >= b for a, b in itertools.pairwise(defined))  # FNIR falls as FPIR grows
    shuffled = table.sample(frac=1.0, random_state=rng.randint(0, 10**6))  # type: ignore[attr-defined]
    again = evaluate_identification({"f": searches(shuffled)}, targets, n_refs)
    assert again == evaluate_identification({"f": found}, targets, n_refs)


def test_cli_json_keys_and_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s1.csv"
    write_scores(frame(), path)
    assert cli_main(["identification", str(path), "--fpir", "0.5", "--max-rank", "3"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert set(record) >= {
        "file", "fpir_target", "threshold", "fpir", "fnir", "rank1", "cmc",
        "n_mated", "n_mated_failed", "n_non_mated", "n_non_mated_failed",
    }  # fmt: skip
    assert (record["threshold"], record["fpir"], record["fnir"]) == (0.4, 0.5, 0.75)
    assert record["cmc"] == [0.25, 0.25, 0.5]
    # A baseline's thresholds apply to another file: a stricter gallery moves FNIR only.
    other = frame([(r, p, g, s + 0.05 if g else s) for r, p, g, s in ROWS])
    write_scores(other, tmp_path / "s2.csv")
    assert cli_main(["identification", str(tmp_path / "s2.csv"), "--baseline", str(path),
                     "--fpir", "0.5", "--format", "md"]) == 0  # fmt: skip
    table = capsys.readouterr().out
    assert "| 50 " in table and "| 0.4000 " in table and "| 25.000 " in table


def _embedding_sets(seed: int) -> tuple[object, object]:
    from colourfr.comparison import EmbeddingSet

    rng = np.random.default_rng(seed)
    subjects = [f"s{i}" for i in range(7)]
    centres = rng.normal(size=(7, 8))
    ref = EmbeddingSet.build(
        [f"{s}_0" for s in subjects],
        subjects,
        centres + rng.normal(scale=0.8, size=(7, 8)),
        [None, None, "no_face", None, None, None, None],
    )
    probe_subjects = [*(s for s in subjects for _ in range(2)), "x", "x"]  # x: no reference
    probe_vectors = np.r_[np.repeat(centres, 2, axis=0), rng.normal(size=(2, 8))]
    failures = [None] * len(probe_subjects)
    failures[3] = "no_face"
    probe = EmbeddingSet.build(
        [f"{s}_{i + 1}" for i, s in enumerate(probe_subjects)],
        probe_subjects,
        probe_vectors + rng.normal(scale=0.8, size=probe_vectors.shape),
        failures,
    )
    return ref, probe


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blockwise_searches_equal_the_score_file_route(seed: int) -> None:
    """search_table (blockwise, from embeddings) gives the same closed- and open-set
    searches as the identification metrics on the full score file."""
    from colourfr.comparison import compare_all
    from colourfr.identification import closed_set, open_set, search_table, withheld_subjects

    ref, probe = _embedding_sets(seed)
    scores = compare_all(ref, probe, impostors=True)
    withheld = withheld_subjects(list(ref.subjects), 0.5, seed)
    assert len(withheld) == 3
    table = search_table(ref, probe, withheld, block_cells=3 * ref.ids.size)
    pd.testing.assert_frame_equal(table, search_table(ref, probe, withheld))
    pd.testing.assert_frame_equal(table, search_table(ref, probe, withheld, block_cells=1))
    by_file = searches(scores)
    closed = closed_set(table)
    order = [list(closed.probes).index(p) for p in by_file.probes]
    assert closed.rank[order].tolist() == by_file.rank.tolist()
    np.testing.assert_allclose(closed.mate_score[order], by_file.mate_score, equal_nan=True)
    # Open set: drop the withheld references; their probes' rows become non-mated.
    kept = scores[~scores["reference"].isin([f"{s}_0" for s in withheld])]
    by_open_file = searches(kept)
    opened = open_set(table)
    order = [list(opened.probes).index(p) for p in by_open_file.probes]
    assert opened.mated[order].tolist() == by_open_file.mated.tolist()
    assert opened.rank[order].tolist() == by_open_file.rank.tolist()
    np.testing.assert_allclose(
        np.sort(opened.non_mated_minima), np.sort(by_open_file.non_mated_minima)
    )
    assert opened.n_non_mated_failed == by_open_file.n_non_mated_failed


def test_blocks_hold_probes_x_gallery_within_the_cell_budget() -> None:
    from colourfr.identification import probes_per_block

    assert probes_per_block(1000, 10_000) == 10
    assert probes_per_block(1000, 10_999) == 10  # never above the budget
    assert probes_per_block(100_000, 10_000) == 1  # a huge gallery: one probe at a time
    assert probes_per_block(0, 64) == 64
