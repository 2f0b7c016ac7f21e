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
    manifest = manifest_of(
        [("a_1", "a", "", "truncated"), ("a_2", "a", "", "ok"), ("a_3", "a", "", "ok")]
    )
    protocol = reference_per_subject(manifest)
    assert protocol.references["image_id"].tolist() == ["a_2"]
    assert protocol.probes["image_id"].tolist() == ["a_1", "a_3"]  # still counted: FTA


def test_no_genuine_pair_is_an_error() -> None:
    with pytest.raises(ManifestError, match="no genuine pair"):
        reference_per_subject(manifest_of([("a_1", "a", "", "ok"), ("b_1", "b", "", "ok")]))


def test_round_trip_and_overview(tmp_path: Path) -> None:
    manifest = manifest_of(
        [
            ("a_1", "a", "", "ok"),
            ("a_2", "a", "", "ok"),
            ("b_1", "b", "", "ok"),
            ("b_2", "b", "", "ok"),
        ]
    )
    protocol = reference_per_subject(manifest)
    write_protocol(protocol, tmp_path)
    again = read_protocol(tmp_path)
    pd.testing.assert_frame_equal(again.references, protocol.references)
    assert again.pairs is None and again.comparisons == "all-vs-all"
    row = dataset_overview("toy", "paper", again).iloc[0]
    assert (
        row["subjects"],
        row["images"],
        row["genuine_comparisons"],
        row["impostor_comparisons"],
    ) == (2, 4, 2, 2)


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


# ---- reference selection ------------------------------------------------

FRONTAL = [[30.0, 40.0], [70.0, 40.0], [50.0, 60.0], [35.0, 80.0], [65.0, 80.0]]


def rotate_scale(points: list[list[float]], degrees: float, scale: float) -> list[list[float]]:
    import math

    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return [[scale * (c * x - s * y) + 7.0, scale * (s * x + c * y) - 3.0] for x, y in points]


def test_pose_deviation_is_zero_for_frontal_and_ignores_rotation_and_scale() -> None:
    import math

    import numpy as np

    from colourfr.protocol import pose_deviation

    assert pose_deviation(np.array(FRONTAL)) == pytest.approx(0.0, abs=1e-12)
    turned = [p[:] for p in FRONTAL]
    turned[2][0] += 10.0  # nose 10 px right of the midline, inter-ocular distance 40
    assert pose_deviation(np.array(turned)) == pytest.approx(0.25)
    for degrees, scale in ((30.0, 1.0), (-75.0, 2.5), (180.0, 0.3)):
        moved = np.array(rotate_scale(turned, degrees, scale))
        assert pose_deviation(moved) == pytest.approx(0.25)
    assert math.isnan(pose_deviation(None))
    assert math.isnan(pose_deviation(np.full((5, 2), np.nan)))


def test_reference_rule_best_by_quality_pose_and_both() -> None:
    from colourfr.protocol import RULE_BEST, ReferenceRule

    manifest = manifest_of(
        [("a_1", "a", "", "ok"), ("a_2", "a", "", "ok"), ("a_3", "a", "", "ok"),
         ("b_1", "b", "", "ok"), ("b_2", "b", "", "ok")]
    )  # fmt: skip
    quality = {"a_1": 0.2, "a_2": 0.9, "a_3": 0.9, "b_1": float("nan"), "b_2": 0.1}
    pose = {"a_1": 0.05, "a_2": 0.6, "a_3": 0.3, "b_1": 0.5, "b_2": 0.4}

    def references(rule: ReferenceRule) -> list[str]:
        return reference_per_subject(manifest, reference=rule).references["image_id"].tolist()

    # quality: highest wins, a tie goes to the smaller id, a failed image never wins
    assert references(ReferenceRule(RULE_BEST, quality=quality)) == ["a_2", "b_2"]
    # pose: most frontal
    assert references(ReferenceRule(RULE_BEST, pose=pose)) == ["a_1", "b_2"]
    # both: best quality among the frontal enough (<= 0.35); none frontal: most frontal
    assert references(
        ReferenceRule(RULE_BEST, quality=quality, pose=pose, max_pose_deviation=0.35)
    ) == ["a_3", "b_2"]
    # no value at all for a subject: the first readable image, as rule first
    assert references(ReferenceRule(RULE_BEST, quality={"a_1": 0.5})) == ["a_1", "b_1"]


def test_reference_rule_list(tmp_path: Path) -> None:
    from colourfr.protocol import reference_rule

    manifest = manifest_of(
        [("a_1", "a", "", "ok"), ("a_2", "a", "", "ok"), ("b_1", "b", "", "ok"),
         ("b_2", "b", "", "ok")]
    )  # fmt: skip
    listed = tmp_path / "refs.txt"
    listed.write_text("# FERET fa images\na_2\nb_1\n")
    rule = reference_rule({"reference": {"rule": "list", "list": str(listed)}})
    protocol = reference_per_subject(manifest, reference=rule)
    assert protocol.references["image_id"].tolist() == ["a_2", "b_1"]
    assert protocol.reference_rule == "list (refs.txt)"
    as_csv = tmp_path / "refs.csv"
    as_csv.write_text("subject_id,image_id\na,a_1\nb,b_2\n")
    rule = reference_rule({"reference": {"rule": "list", "list": str(as_csv)}})
    assert reference_per_subject(manifest, reference=rule).references["image_id"].tolist() == [
        "a_1", "b_2",
    ]  # fmt: skip
    listed.write_text("a_2\n")
    with pytest.raises(ManifestError, match="subject 'b' needs exactly one listed reference"):
        reference_per_subject(manifest, reference=reference_rule(
            {"reference": {"rule": "list", "list": str(listed)}}))  # fmt: skip
    # A dataset-wide list (FERET's doc/partitions/fa.txt: "<subject> <file>") may name
    # images the subject selection dropped: counted in the rule's description, not an error.
    listed.write_text("a 00a_2.ppm.bz2\nb b_1.jpg\nz z_9.ppm\n")
    manifest["image_id"] = manifest["image_id"].replace({"a_2": "00a_2"})
    protocol = reference_per_subject(manifest, reference=reference_rule(
        {"reference": {"rule": "list", "list": str(listed)}}))  # fmt: skip
    assert protocol.references["image_id"].tolist() == ["00a_2", "b_1"]
    assert protocol.reference_rule == "list (refs.txt; 1 listed ids not in the manifest)"


def test_table1_states_the_reference_rule(tmp_path: Path) -> None:
    from colourfr.protocol import RULE_BEST, ReferenceRule

    manifest = manifest_of([("a_1", "a", "", "ok"), ("a_2", "a", "", "ok")])
    rule = ReferenceRule(RULE_BEST, pose={"a_2": 0.0}, description="best (pose: arc)")
    protocol = reference_per_subject(manifest, reference=rule)
    write_protocol(protocol, tmp_path)
    again = read_protocol(tmp_path)
    assert again.reference_rule == "best (pose: arc)"
    assert dataset_overview("toy", "paper", again)["reference_rule"].item() == "best (pose: arc)"


def test_references_command_writes_a_list_the_list_rule_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`colourfr references`: per subject the first image in (session, id) order among
    those matching --where, as a list file that rule list reads back (FRGC's case: the
    first controlled still)."""
    import yaml

    from colourfr.cli import main
    from colourfr.protocol import reference_rule

    rows = [  # image_id, subject, session, expression
        ("s1_c2", "s1", "2004-01-02", "controlled"),
        ("s1_u1", "s1", "2004-01-01", "uncontrolled"),
        ("s1_c1", "s1", "2004-01-01", "controlled"),
        ("s2_u1", "s2", "2004-02-01", "uncontrolled"),
        ("s2_c3", "s2", "2004-03-01", "controlled"),
    ]
    for image_id, *_ in rows:
        (tmp_path / f"{image_id}.png").write_bytes(b"")
    pd.DataFrame(
        [
            {"image_id": i, "subject_id": s, "path": f"{i}.png", "session": d, "expression": e}
            for i, s, d, e in rows
        ]
    ).to_csv(tmp_path / "images.csv", index=False)
    config = tmp_path / "mine.yaml"
    config.write_text(yaml.safe_dump({"datasets": {"mine": {
        "format": "csv", "root": str(tmp_path),
        "options": {"image_list": str(tmp_path / "images.csv")}}}}))  # fmt: skip
    out = tmp_path / "lists" / "mine.txt"
    code = main(["references", "--configfile", str(config), "--dataset", "mine",
                 "--where", "expression=controlled", "--out", str(out)])  # fmt: skip
    assert code == 0 and "2 references of 2 subjects" in capsys.readouterr().err
    rule = reference_rule({"reference": {"rule": "list", "list": str(out)}})
    assert rule.listed == {"s1_c1", "s2_c3"}
    for where, message in (
        (["--where", "pose=fa"], "no image matches {'pose': 'fa'}"),
        (["--where", "camera=x"], "no column 'camera'"),
        (["--where", "expression"], "expected COLUMN=VALUE"),
    ):
        code = main(["references", "--configfile", str(config), "--dataset", "mine",
                     *where, "--out", str(out)])  # fmt: skip
        assert code == 2 and message in capsys.readouterr().err
    code = main(["references", "--configfile", str(config), "--dataset", "other", "--out", "x"])
    assert code == 2 and "'other' is not in" in capsys.readouterr().err


@pytest.mark.parametrize("layout", ["folder", "csv", "lfw"])
def test_references_command_output_round_trips(tmp_path: Path, layout: str) -> None:
    """The list the command writes names every subject's reference in the ids the dataset
    uses (folder ids carry the subject folder: ``subject/file``)."""
    from helpers.references import references_round_trip

    root = tmp_path / "faces"
    people = {"Ann_Lee": 2, "Bo_Chan": 3}
    for person, count in people.items():
        (root / "images" / person).mkdir(parents=True)
        for index in range(1, count + 1):
            (root / "images" / person / f"{person}_{index:04d}.jpg").write_bytes(b"")
    if layout == "folder":
        dataset = {"format": "folder", "root": str(root / "images")}
    elif layout == "lfw":
        dataset = {"format": "lfw", "root": str(root), "options": {"images_dir": "images"}}
    else:
        rows = [
            {"image_id": f"{p} #{i}", "subject_id": p, "path": f"images/{p}/{p}_{i:04d}.jpg"}
            for p, count in people.items()
            for i in range(1, count + 1)
        ]
        pd.DataFrame(rows).to_csv(root / "list.csv", index=False)
        dataset = {
            "format": "csv",
            "root": str(root),
            "options": {"image_list": str(root / "list.csv")},
        }
    written, chosen = references_round_trip(dataset, tmp_path)
    assert written == chosen and len(chosen) == len(people)
    if layout == "folder":
        assert chosen == ["Ann_Lee/Ann_Lee_0001", "Bo_Chan/Bo_Chan_0001"]


def test_one_column_reference_list_with_an_image_id_header(tmp_path: Path) -> None:
    from colourfr.protocol import read_reference_list

    listed = tmp_path / "refs.csv"
    listed.write_text("image_id\nAnn/Ann_0001\nBo/Bo_0002\n")
    assert read_reference_list(listed) == {"Ann/Ann_0001", "Bo/Bo_0002"}


def test_listed_file_names_resolve_to_ids_with_folders() -> None:
    from colourfr.protocol import resolve_listed

    ids = ["a/a_1", "a/a_2", "b/b_1", "c/x", "d/x"]
    # Exact ids stay; a bare file name finds its folder when only one id has that name.
    assert resolve_listed(frozenset({"a/a_2", "b_1", "x", "zz"}), ids) == {
        "a/a_2", "b/b_1", "x", "zz",
    }  # fmt: skip


def test_table1_names_the_pose_bound_of_rule_best() -> None:
    from colourfr.protocol import reference_rule

    both = {"rule": "best", "quality": "lq", "pose": "arc", "max_pose_deviation": 0.3}
    assert reference_rule({"reference": both}).description == (
        "best (quality: lq; pose: arc; max pose deviation 0.3)"
    )
    assert reference_rule({"reference": {"rule": "best", "pose": "arc"}}).description == (
        "best (pose: arc)"
    )
