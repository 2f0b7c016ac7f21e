"""Protocols: the paper's reference-per-subject protocol and LFW pairs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from colourfr.errors import ManifestError
from colourfr.protocol import (
    dataset_overview,
    lfw_pairs,
    parse_lfw_pairs,
    read_protocol,
    reference_per_subject,
    write_protocol,
)


def manifest_of(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """rows: (image_id, subject_id, session, status)."""
    return pd.DataFrame(
        [
            {
                "image_id": i,
                "subject_id": s,
                "path": f"/x/{i}.jpg",
                "session": session,
                "capture_date": "",
                "pose": "",
                "expression": "",
                "status": status,
            }
            for i, s, session, status in rows
        ]
    )


def test_first_image_by_name_is_reference_and_single_image_subjects_drop() -> None:
    manifest = manifest_of(
        [
            ("b_2", "b", "", "ok"),
            ("a_1", "a", "", "ok"),
            ("a_3", "a", "", "ok"),
            ("a_2", "a", "", "ok"),
            ("b_1", "b", "", "ok"),
            ("c_1", "c", "", "ok"),
        ]
    )
    protocol = reference_per_subject(manifest)
    assert protocol.references["image_id"].tolist() == ["a_1", "b_1"]
    assert protocol.probes["image_id"].tolist() == ["a_2", "a_3", "b_2"]
    # Table 1 counts: genuine = probes; impostors = probes x (references - 1)
    assert protocol.genuine_count() == 3 and protocol.impostor_count() == 3


def test_probes_from_other_sessions() -> None:
    manifest = manifest_of(
        [
            ("a_1", "a", "2001", "ok"),
            ("a_2", "a", "2001", "ok"),
            ("a_3", "a", "2002", "ok"),
            ("b_1", "b", "2001", "ok"),
            ("b_2", "b", "2001", "ok"),
        ]
    )
    protocol = reference_per_subject(manifest)
    assert protocol.probes["image_id"].tolist() == ["a_3"]  # b has no other session
    relaxed = reference_per_subject(manifest, probes_from_other_sessions=False)
    assert relaxed.probes["image_id"].tolist() == ["a_2", "a_3", "b_2"]
    # preferred, not required: a keeps only its other-session probe, b (one session) falls
    # back to its same-session image instead of being dropped
    preferred = reference_per_subject(manifest, same_session_fallback=True)
    assert preferred.probes["image_id"].tolist() == ["a_3", "b_2"]
    assert preferred.references["image_id"].tolist() == ["a_1", "b_1"]


def test_unreadable_first_image_is_not_the_reference() -> None:
    manifest = manifest_of([("a_1", "a", "", "truncated"), ("a_2", "a", "", "ok"), ("a_3", "a", "", "ok")])
    protocol = reference_per_subject(manifest)
    assert protocol.references["image_id"].tolist() == ["a_2"]
    assert protocol.probes["image_id"].tolist() == ["a_1", "a_3"]  # still counted: FTA


def test_no_genuine_pair_is_an_error() -> None:
    with pytest.raises(ManifestError, match="no genuine pair"):
        reference_per_subject(manifest_of([("a_1", "a", "", "ok"), ("b_1", "b", "", "ok")]))


def test_round_trip_and_overview(tmp_path: Path) -> None:
    manifest = manifest_of([("a_1", "a", "", "ok"), ("a_2", "a", "", "ok"), ("b_1", "b", "", "ok"), ("b_2", "b", "", "ok")])
    protocol = reference_per_subject(manifest)
    write_protocol(protocol, tmp_path)
    again = read_protocol(tmp_path)
    pd.testing.assert_frame_equal(again.references, protocol.references)
    assert again.pairs is None and again.comparisons == "all-vs-all"
    row = dataset_overview("toy", "paper", again).iloc[0]
    assert (row["subjects"], row["images"], row["genuine_comparisons"], row["impostor_comparisons"]) == (2, 4, 2, 2)


def test_lfw_pairs_file(lfw_root: Path) -> None:
    pairs = parse_lfw_pairs(lfw_root / "pairs.txt")
    assert len(pairs) == 6000 and pairs["genuine"].sum() == 3000
    assert pairs["fold"].nunique() == 10
    first = pairs.iloc[0]
    assert first["reference"].startswith(first["reference_subject"] + "_")


def test_lfw_pairs_needs_images_in_manifest(lfw_root: Path) -> None:
    manifest = manifest_of([("Abel_Pacheco_0001", "Abel_Pacheco", "", "ok")])
    with pytest.raises(ManifestError, match="not in the dataset manifest"):
        lfw_pairs(manifest, lfw_root / "pairs.txt")


def test_malformed_pairs_file(tmp_path: Path) -> None:
    bad = tmp_path / "pairs.txt"
    bad.write_text("1 1\nAlice 1 2\nBob 1\n")
    with pytest.raises(ManifestError, match="line 3: malformed mismatched pair"):
        parse_lfw_pairs(bad)
