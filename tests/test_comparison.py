"""Blockwise comparison scores: hand-worked cosines, protocol masks, failures, loaders."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colourfr.comparison import (
    ComparisonError,
    EmbeddingSet,
    compare_all,
    compare_pairs,
    embedding_set_for,
    load_recognition_shards,
)
from colourfr.errors import ColourfrError


def _set(ids, subjects, rows, failures=None) -> EmbeddingSet:
    matrix = np.array(rows, dtype=np.float32)
    return EmbeddingSet.build(ids, subjects, matrix, failures or [None] * len(ids))


def _scores(frame: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (str(r), str(p)): s for r, p, s in zip(frame["reference"], frame["probe"], frame["score"])
    }


def test_cosine_distance_hand_worked() -> None:
    # reference (1,0) scaled by 3 (normalised away); probes: same direction -> 0,
    # orthogonal -> 1, opposite -> 2, 45 degrees -> 1 - 1/sqrt(2).
    refs = _set(["r"], ["a"], [[3.0, 0.0]])
    probes = _set(["p0", "p1", "p2", "p3"], ["a", "b", "c", "d"], [[1, 0], [0, 2], [-1, 0], [1, 1]])
    frame = compare_all(refs, probes, impostors=True)
    scores = _scores(frame)
    assert scores[("r", "p0")] == pytest.approx(0.0, abs=1e-12)
    assert scores[("r", "p1")] == pytest.approx(1.0)
    assert scores[("r", "p2")] == pytest.approx(2.0)
    assert scores[("r", "p3")] == pytest.approx(1.0 - 1.0 / math.sqrt(2.0))
    assert frame["genuine"].tolist() == [True, False, False, False]
    assert list(frame.columns[:5]) == ["reference", "probe", "genuine", "score", "failure"]


def _random_sets(seed: int = 0, n_ref: int = 7, n_probe: int = 23, dim: int = 16):
    rng = np.random.default_rng(seed)
    ref_subjects = [f"s{i}" for i in range(n_ref)]
    probe_subjects = [f"s{int(i)}" for i in rng.integers(0, n_ref + 2, n_probe)]
    ref_fail = [None] * n_ref
    ref_fail[2] = "no_face"
    probe_fail = [None] * n_probe
    probe_fail[5] = "no_face"
    probe_fail[9] = "extraction_failed"
    ref_matrix = rng.normal(size=(n_ref, dim))
    probe_matrix = rng.normal(size=(n_probe, dim))
    ref_matrix[2] = np.nan
    probe_matrix[[5, 9]] = np.nan
    refs = EmbeddingSet.build([f"r{i}" for i in range(n_ref)], ref_subjects, ref_matrix, ref_fail)
    probes = EmbeddingSet.build(
        [f"p{i}" for i in range(n_probe)], probe_subjects, probe_matrix, probe_fail
    )
    return refs, probes, ref_matrix, probe_matrix


def test_matches_a_naive_loop_and_is_block_size_invariant() -> None:
    refs, probes, ref_matrix, probe_matrix = _random_sets()
    expected = {}
    for i, r in enumerate(refs.ids):
        for j, p in enumerate(probes.ids):
            a, b = ref_matrix[i].astype(np.float32), probe_matrix[j].astype(np.float32)
            a64, b64 = a.astype(np.float64), b.astype(np.float64)
            expected[(r, p)] = 1.0 - a64 @ b64 / (np.linalg.norm(a64) * np.linalg.norm(b64))
    for block_size in (1, 3, 1024):
        frame = compare_all(refs, probes, impostors=True, block_size=block_size)
        assert len(frame) == refs.ids.size * probes.ids.size
        got = _scores(frame)
        for key, value in expected.items():
            if math.isnan(value):
                assert math.isnan(got[key])
            else:
                assert got[key] == pytest.approx(value, abs=1e-9)


def test_genuine_only_keeps_same_subject_pairs() -> None:
    refs, probes, _, _ = _random_sets()
    frame = compare_all(refs, probes, impostors=False, block_size=2)
    expected = {
        (r, p)
        for r, rs in zip(refs.ids, refs.subjects)
        for p, ps in zip(probes.ids, probes.subjects)
        if rs == ps
    }
    assert set(_scores(frame)) == expected
    assert frame["genuine"].all()
    assert (frame["reference_subject"].astype(str) == frame["probe_subject"].astype(str)).all()
    full = compare_all(refs, probes, impostors=True)
    assert int(full["genuine"].sum()) == len(frame)


def test_failures_are_named_and_scores_nan() -> None:
    refs, probes, _, _ = _random_sets()
    frame = compare_all(refs, probes, impostors=True)
    by_pair = {
        (str(r), str(p)): f for r, p, f in zip(frame["reference"], frame["probe"], frame["failure"])
    }
    assert by_pair[("r0", "p5")] == "probe:no_face"
    assert by_pair[("r0", "p9")] == "probe:extraction_failed"
    assert by_pair[("r2", "p0")] == "reference:no_face"
    assert by_pair[("r2", "p9")] == "reference:no_face;probe:extraction_failed"
    assert pd.isna(by_pair[("r0", "p0")])
    failed = frame["failure"].notna().to_numpy()
    assert np.isnan(frame["score"].to_numpy()[failed]).all()
    assert np.isfinite(frame["score"].to_numpy()[~failed]).all()


def test_failure_reason_wins_over_a_finite_embedding() -> None:
    refs = _set(["r"], ["a"], [[1.0, 0.0]], ["too_small"])
    probes = _set(["p"], ["a"], [[1.0, 0.0]])
    frame = compare_all(refs, probes, impostors=False)
    assert math.isnan(frame["score"].iloc[0]) and frame["failure"].iloc[0] == "reference:too_small"


def test_an_image_is_never_compared_with_itself() -> None:
    refs = _set(["x", "y"], ["a", "b"], [[1, 0], [0, 1]])
    probes = _set(["x", "z"], ["a", "a"], [[1, 0], [1, 1]])
    frame = compare_all(refs, probes, impostors=True, block_size=1)
    assert ("x", "x") not in _scores(frame)
    assert len(frame) == 3


def test_pair_list_protocol() -> None:
    refs, probes, _, _ = _random_sets()
    pairs = pd.DataFrame(
        {
            "reference": ["r1", "r0", "r2"],
            "probe": ["p3", "p5", "p1"],
            "genuine": ["true", "0", "False"],
            "fold": [1, 2, 2],
        }
    )
    frame = compare_pairs(refs, probes, pairs, block_size=2)
    all_scores = _scores(compare_all(refs, probes, impostors=True))
    assert frame["reference"].astype(str).tolist() == ["r1", "r0", "r2"]
    assert frame["genuine"].tolist() == [True, False, False]
    assert frame["fold"].tolist() == ["1", "2", "2"]
    assert frame["score"].iloc[0] == pytest.approx(all_scores[("r1", "p3")])
    assert frame["failure"].iloc[1] == "probe:no_face"
    assert frame["failure"].iloc[2] == "reference:no_face"


def test_pair_list_errors_name_source_and_line() -> None:
    refs, probes, _, _ = _random_sets()
    unknown = pd.DataFrame({"reference": ["r0", "r9"], "probe": ["p0", "p0"], "genuine": [1, 0]})
    with pytest.raises(
        ComparisonError, match=r"pairs\.csv: line 3: reference 'r9' has no embedding"
    ):
        compare_pairs(refs, probes, unknown, source="pairs.csv")
    bad_flag = pd.DataFrame({"reference": ["r0"], "probe": ["p0"], "genuine": ["maybe"]})
    with pytest.raises(ComparisonError, match="line 2: genuine must be"):
        compare_pairs(refs, probes, bad_flag, source="pairs.csv")
    with pytest.raises(ComparisonError, match="missing column"):
        compare_pairs(refs, probes, bad_flag.drop(columns="genuine"), source="pairs.csv")


def test_embedding_set_validation() -> None:
    with pytest.raises(ComparisonError, match="'b' has no failure reason but a non-finite"):
        _set(["a", "b"], ["s", "t"], [[1, 0], [math.nan, 0]])
    with pytest.raises(ComparisonError, match="duplicate id 'a'"):
        _set(["a", "a"], ["s", "t"], [[1, 0], [0, 1]])
    with pytest.raises(ComparisonError, match="all-zero"):
        _set(["a"], ["s"], [[0, 0]])
    with pytest.raises(ComparisonError, match="embedding rows"):
        _set(["a", "b"], ["s"], [[1, 0], [0, 1]])
    refs = _set(["a"], ["s"], [[1, 0]])
    probes = _set(["b"], ["s"], [[1, 0, 0]])
    with pytest.raises(ComparisonError, match="dimension"):
        compare_all(refs, probes, impostors=False)
    assert issubclass(ComparisonError, ColourfrError)


def _write_shard(directory: Path, name: str, ids, failures, matrix) -> Path:
    from colourfr.recognition.base import FaceRecord
    from colourfr.recognition.records import write_shard

    directory.mkdir(parents=True, exist_ok=True)
    records = [FaceRecord(image_id=i, failure=f, n_faces=1) for i, f in zip(ids, failures)]
    write_shard(directory / f"{name}.parquet", records, np.asarray(matrix, dtype=np.float32))
    return directory / name


def test_shard_loader_assembles_in_requested_order(tmp_path: Path) -> None:
    base = tmp_path / "recognition" / "sys" / "original"
    s0 = _write_shard(base, "0000", ["i1", "i2"], [None, "no_face"], [[1, 0], [math.nan, math.nan]])
    s1 = _write_shard(base, "0001", ["i3"], [None], [[0, 1]])
    records, matrix = load_recognition_shards([s0, s1])
    assert matrix.shape == (3, 2) and records["image_id"].tolist() == ["i1", "i2", "i3"]
    chosen = embedding_set_for(records, matrix, ["i3", "i2"], ["b", "a"], source="probes")
    assert chosen.ids.tolist() == ["i3", "i2"]
    assert chosen.failures.tolist() == [None, "no_face"]
    np.testing.assert_array_equal(chosen.embeddings[0], [0, 1])
    with pytest.raises(ComparisonError, match="probes: image 'i9' has no recognition output"):
        embedding_set_for(records, matrix, ["i9"], ["a"], source="probes")


def test_shard_loader_errors(tmp_path: Path) -> None:
    base = tmp_path / "r"
    stem = _write_shard(base, "0000", ["i1", "i2"], [None, None], [[1, 0], [0, 1]])
    np.save(base / "0000.npy", np.asarray([[1, 0]], dtype=np.float32))
    with pytest.raises(ComparisonError, match=r"0000\.npy is not the embeddings file"):
        load_recognition_shards([stem])
    with pytest.raises(ComparisonError, match="recognition output missing"):
        load_recognition_shards([base / "0001"])
    with pytest.raises(ComparisonError, match="no recognition shards"):
        load_recognition_shards([])


def test_scenario_lookups_for_the_workflow() -> None:
    from colourfr.comparison import baseline_scenario, scenario_for

    instances = [
        {"id": "s1", "baseline": True, "reference": "original"},
        {"id": "s2", "baseline": False, "reference": "grey"},
    ]
    assert scenario_for(instances, "s2")["reference"] == "grey"
    with pytest.raises(
        ComparisonError, match="unknown scenario 's9'; configured scenarios: s1, s2"
    ):
        scenario_for(instances, "s9")
    assert baseline_scenario(instances) == "s1"
    with pytest.raises(ComparisonError, match="exactly one scenario must have 'baseline: true'"):
        baseline_scenario([{**s, "baseline": True} for s in instances])
    with pytest.raises(ComparisonError, match="found 0"):
        baseline_scenario([{**s, "baseline": False} for s in instances])
