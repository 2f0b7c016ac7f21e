"""FRGC v2.0 reader on small synthetic trees that mimic the distributed layout.

The tree follows ``FRGC-2.0-dist``: JPEG stills under ``nd1/<collection>/``, BEE
signature sets (with the BEE sigset namespace) and the metadata file under
``BEE_DIST/FRGC2.0``. Subjects, recordings, dates and pixels are made up.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from PIL import Image

from colourfr.datasets.frgc import (
    OPTIONS_SCHEMA,
    collection_of,
    condition_of_set_file,
    parse_frgc_date,
    read_frgc,
    signature_set_name,
)
from colourfr.datasets.manifest import RAW_COLUMNS
from colourfr.errors import ConfigError, ManifestError

NAMESPACE = "http://www.bee-biometrics.org/schemas/sigset/0.1"


@dataclass(frozen=True)
class Still:
    recording: str  # presentation name
    subject: str  # signature name
    file_name: str  # relative to the root
    capture_date: str | None  # metadata MM/DD/YYYY, None: not in the metadata


# experiment 2.0.4: controlled target, uncontrolled query; training from Spring2003
TARGET = [
    Still("nd1R00010", "nd1S04201", "nd1/Fall2003/04201d58.jpg", "10/01/2003"),
    Still("nd1R00011", "nd1S04201", "nd1/Fall2003/04201d59.jpg", "10/01/2003"),
    Still("nd1R00020", "nd1S04201", "nd1/Spring2004/04201d102.jpg", "02/17/2004"),
    Still("nd1R00030", "nd1S04202", "nd1/Fall2003/04202d10.jpg", "10/08/2003"),
]
QUERY = [
    Still("nd1R00012", "nd1S04201", "nd1/Fall2003/04201d60.jpg", "10/01/2003"),
    Still("nd1R00031", "nd1S04202", "nd1/Spring2004/04202d40.jpg", "03/02/2004"),
]
TRAINING = [
    Still("nd1R00001", "nd1S02463", "nd1/Spring2003/02463d452.jpg", "02/12/2003"),
    Still("nd1R00002", "nd1S02463", "nd1/Spring2003/02463d454.jpg", "02/12/2003"),
]


def sigset_xml(stills: list[Still], complex_signature: bool = False) -> str:
    """A BEE signature set: one signature per still, or one complex one per subject."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<biometric-signature-set xmlns="{NAMESPACE}">',
    ]

    def presentation(still: Still) -> str:
        return (
            f'    <presentation name="{still.recording}" modality="face" '
            f'file-name="{still.file_name}" file-format="jpeg"/>'
        )

    if complex_signature:
        subjects = sorted({still.subject for still in stills})
        for subject in subjects:
            lines.append(f'  <complex-biometric-signature name="{subject}">')
            lines += [presentation(s) for s in stills if s.subject == subject]
            lines.append("  </complex-biometric-signature>")
    else:
        for still in stills:
            lines.append(f'  <biometric-signature name="{still.subject}">')
            lines.append(presentation(still))
            lines.append("  </biometric-signature>")
    lines.append("</biometric-signature-set>")
    return "\n".join(lines) + "\n"


def metadata_xml(stills: list[Still]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<Recordings>"]
    for still in stills:
        if still.capture_date is None:
            continue
        lines += [
            (
                f'  <Recording recording_id="{still.recording}" subject_id="{still.subject}" '
                f'capturedate="{still.capture_date}">'
            ),
            '    <LeftEyeCenter x="10" y="12"/>',
            "  </Recording>",
        ]
    lines.append("</Recordings>")
    return "\n".join(lines) + "\n"


def iso(us_date: str) -> str:
    month, day, year = us_date.split("/")
    return f"{year}-{month}-{day}"


def build_tree(root: Path, bee: str = "BEE_DIST/FRGC2.0") -> Path:
    """Write an FRGC-2.0-dist copy under ``root`` and return its folder."""
    dist = root / "FRGC-2.0-dist"
    everything = TARGET + QUERY + TRAINING
    for number, still in enumerate(everything):
        path = dist / still.file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (4, 3), (number * 20, 80, 160)).save(path, format="JPEG")
    experiments = dist / bee / "signature_sets" / "experiments"
    experiments.mkdir(parents=True)
    sets = {
        "2.0.4": {"target": TARGET, "query": QUERY, "training": TRAINING},
        # experiment 1 matches the controlled set against itself: same file content twice
        "2.0.1": {"target": TARGET, "query": TARGET, "training": TRAINING},
    }
    for experiment, by_set in sets.items():
        for set_name, stills in by_set.items():
            (experiments / signature_set_name(experiment, set_name)).write_text(sigset_xml(stills))
    (experiments / signature_set_name("2.0.2", "target")).write_text(
        sigset_xml(TARGET, complex_signature=True)
    )
    metadata = dist / bee / "metadata"
    metadata.mkdir(parents=True)
    (metadata / "FRGC_2.0_Metadata.xml").write_text(metadata_xml(everything))
    return dist


@pytest.fixture()
def frgc(tmp_path: Path) -> Path:
    return build_tree(tmp_path)


def sigset_path(root: Path, experiment: str, set_name: str) -> Path:
    return (
        root
        / "BEE_DIST/FRGC2.0/signature_sets/experiments"
        / signature_set_name(experiment, set_name)
    )


# --------------------------------------------------------------------------- pure parts


def test_dates() -> None:
    assert parse_frgc_date("10/01/2003") == "2003-10-01"
    assert parse_frgc_date("2/7/2004") == "2004-02-07"
    assert parse_frgc_date("2004-02-07") == "2004-02-07"
    with pytest.raises(ValueError):
        parse_frgc_date("13/01/2003")
    with pytest.raises(ValueError):
        parse_frgc_date("Oct 1 2003")


def test_names_and_conditions() -> None:
    assert signature_set_name("2.0.4", "query") == "FRGC_Exp_2.0.4_Query.xml"
    assert collection_of("nd1/Fall2003/04201d58.jpg") == "Fall2003"
    assert condition_of_set_file("FRGC_Exp_2.0.4_Query.xml") == "uncontrolled"
    assert condition_of_set_file("FRGC_Exp_2.0.4_Target.xml") == "controlled"
    assert condition_of_set_file("FRGC_Exp_2.0.1_Query.xml") == "controlled"
    assert condition_of_set_file("FRGC_Exp_2.0.4_Training.xml") == ""
    assert condition_of_set_file("my_subset.xml") == ""


# --------------------------------------------------------------------------- reading


def test_experiment_4_target_and_query(frgc: Path) -> None:
    frame = read_frgc(frgc)

    assert list(frame.columns) == list(RAW_COLUMNS)
    expected = sorted(TARGET + QUERY, key=lambda still: still.recording)
    assert frame["image_id"].tolist() == [still.recording for still in expected]
    assert frame["subject_id"].tolist() == [still.subject for still in expected]
    assert frame["path"].tolist() == [str((frgc / s.file_name).resolve()) for s in expected]
    conditions = frame.set_index("image_id")["expression"].to_dict()
    assert {r: c for r, c in conditions.items() if c == "uncontrolled"} == {
        still.recording: "uncontrolled" for still in QUERY
    }
    assert all(conditions[still.recording] == "controlled" for still in TARGET)
    assert set(frame["pose"]) == {"frontal"}

    # every recording is dated: a session is a capture day
    dates = {still.recording: iso(still.capture_date or "") for still in expected}
    assert frame.set_index("image_id")["capture_date"].to_dict() == dates
    assert frame.set_index("image_id")["session"].to_dict() == dates


def test_one_undated_recording_makes_collections_the_sessions(
    frgc: Path, caplog: pytest.LogCaptureFixture
) -> None:
    undated = TARGET[3]
    path = frgc / "BEE_DIST/FRGC2.0/metadata/FRGC_2.0_Metadata.xml"
    path.write_text(metadata_xml([s for s in TARGET + QUERY if s != undated]))
    with caplog.at_level(logging.WARNING):
        frame = read_frgc(frgc)
    assert "1 of 6 recordings have no capture date" in caplog.text
    by_id = frame.set_index("image_id")
    # dates stay where known, but sessions follow one rule for the whole dataset
    assert by_id.loc[undated.recording, "capture_date"] == ""
    assert by_id.loc[TARGET[0].recording, "capture_date"] == "2003-10-01"
    expected = {s.recording: collection_of(s.file_name) for s in TARGET + QUERY}
    assert by_id["session"].to_dict() == expected


def test_controlled_only(frgc: Path) -> None:
    frame = read_frgc(frgc, controlled_only=True)
    assert sorted(frame["image_id"]) == sorted(still.recording for still in TARGET)
    assert set(frame["expression"]) == {"controlled"}


def test_identical_target_and_query_are_merged(frgc: Path) -> None:
    frame = read_frgc(frgc, experiment="2.0.1")
    assert sorted(frame["image_id"]) == sorted(still.recording for still in TARGET)
    assert frame["image_id"].is_unique


def test_training_set_has_no_condition(frgc: Path) -> None:
    frame = read_frgc(frgc, sets=["training"])
    assert sorted(frame["image_id"]) == sorted(still.recording for still in TRAINING)
    assert set(frame["expression"]) == {""}
    assert set(frame["session"]) == {"2003-02-12"}
    # training images are of unknown condition, so controlled_only leaves none
    with pytest.raises(ManifestError, match="no FRGC image left"):
        read_frgc(frgc, sets=["training"], controlled_only=True)


def test_complex_signatures_list_every_presentation(frgc: Path) -> None:
    frame = read_frgc(frgc, experiment="2.0.2", sets=["target"])
    expected = {still.recording: still.subject for still in TARGET}
    assert frame.set_index("image_id")["subject_id"].to_dict() == expected


def test_explicit_signature_sets(frgc: Path, tmp_path: Path) -> None:
    relative = "BEE_DIST/FRGC2.0/signature_sets/experiments/FRGC_Exp_2.0.4_Query.xml"
    frame = read_frgc(frgc, signature_sets=[relative])
    assert set(frame["expression"]) == {"uncontrolled"}
    own = tmp_path / "my_subset.xml"
    own.write_text(sigset_xml(QUERY[:1]))
    frame = read_frgc(frgc, signature_sets=[str(own)])
    assert frame["image_id"].tolist() == [QUERY[0].recording]
    assert frame["expression"].tolist() == [""]
    with pytest.raises(ManifestError, match="signature set .*absent.xml not found"):
        read_frgc(frgc, signature_sets=["absent.xml"])


def test_linux_bee_layout_and_upper_case_extensions(tmp_path: Path) -> None:
    root = build_tree(tmp_path, bee="BEE_DIST/linux/FRGC/FRGC2.0")
    renamed = root / TARGET[0].file_name
    renamed.rename(renamed.with_suffix(".JPG"))
    frame = read_frgc(root)
    assert len(frame) == len(TARGET + QUERY)
    by_id = frame.set_index("image_id")
    assert by_id.loc[TARGET[0].recording, "path"].endswith("04201d58.JPG")
    assert by_id.loc[TARGET[0].recording, "capture_date"] == "2003-10-01"


def test_metadata_policies(frgc: Path) -> None:
    ignored = read_frgc(frgc, metadata="ignore")
    assert set(ignored["capture_date"]) == {""}
    assert set(ignored["session"]) == {"Fall2003", "Spring2004"}
    (frgc / "BEE_DIST/FRGC2.0/metadata/FRGC_2.0_Metadata.xml").unlink()
    pd.testing.assert_frame_equal(read_frgc(frgc), ignored)
    with pytest.raises(ManifestError, match="FRGC metadata not found"):
        read_frgc(frgc, metadata="require")


def test_bad_metadata_date_names_file_and_line(frgc: Path) -> None:
    path = frgc / "BEE_DIST/FRGC2.0/metadata/FRGC_2.0_Metadata.xml"
    path.write_text(path.read_text().replace("02/17/2004", "17.02.2004"))
    with pytest.raises(
        ManifestError, match=r"FRGC_2\.0_Metadata\.xml:\d+: capturedate of nd1R00020"
    ):
        read_frgc(frgc)


def test_missing_signature_set_lists_where_it_looked(frgc: Path) -> None:
    sigset_path(frgc, "2.0.4", "query").unlink()
    with pytest.raises(ManifestError, match="linux/FRGC/FRGC2.0/signature_sets"):
        read_frgc(frgc)


def test_image_named_by_signature_set_but_missing(
    frgc: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (frgc / QUERY[1].file_name).unlink()
    with pytest.raises(
        ManifestError,
        match=r"FRGC_Exp_2\.0\.4_Query\.xml:\d+: image nd1/Spring2004/04202d40\.jpg not found",
    ):
        read_frgc(frgc)
    with caplog.at_level(logging.WARNING):
        frame = read_frgc(frgc, missing_images="skip")
    assert QUERY[1].recording not in set(frame["image_id"])
    assert len(frame) == len(TARGET + QUERY) - 1
    assert "04202d40.jpg" in caplog.text


def test_malformed_signature_set_names_file_and_line(frgc: Path) -> None:
    path = sigset_path(frgc, "2.0.4", "target")
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace("/>", ">")  # unclosed <presentation>
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ManifestError, match=r"FRGC_Exp_2\.0\.4_Target\.xml:\d+:\d+: malformed XML"):
        read_frgc(frgc)


def test_presentation_without_file_name(frgc: Path) -> None:
    path = sigset_path(frgc, "2.0.4", "target")
    text = path.read_text().replace('file-name="nd1/Fall2003/04202d10.jpg"', "")
    path.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "nd1R00030" in row)
    with pytest.raises(
        ManifestError,
        match=rf"FRGC_Exp_2\.0\.4_Target\.xml:{line}: <presentation> without file-name",
    ):
        read_frgc(frgc)


def test_signature_without_name(frgc: Path) -> None:
    path = sigset_path(frgc, "2.0.4", "query")
    path.write_text(path.read_text().replace('name="nd1S04202"', ""))
    with pytest.raises(
        ManifestError, match=r"Query\.xml:\d+: <biometric-signature> without a name"
    ):
        read_frgc(frgc)


def test_sets_that_contradict_each_other(frgc: Path) -> None:
    path = sigset_path(frgc, "2.0.4", "query")
    # the query set now claims a target recording's id for a different file
    path.write_text(path.read_text().replace(QUERY[0].recording, TARGET[0].recording))
    with pytest.raises(ManifestError, match="recording nd1R00010 is"):
        read_frgc(frgc)


def test_range_scans_are_not_still_images(frgc: Path) -> None:
    path = sigset_path(frgc, "2.0.4", "query")
    scan = (
        '  <biometric-signature name="nd1S04201">\n'
        '    <presentation name="nd1R09999" modality="3D" '
        'file-name="nd1/Fall2003range/04201d61.abs" file-format="abs"/>\n'
        "  </biometric-signature>\n"
    )
    path.write_text(
        path.read_text().replace("</biometric-signature-set>", scan + "</biometric-signature-set>")
    )
    frame = read_frgc(frgc)
    assert "nd1R09999" not in set(frame["image_id"])
    assert len(frame) == len(TARGET + QUERY)


def test_root_and_option_errors(frgc: Path, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="is not a folder"):
        read_frgc(tmp_path / "absent")
    with pytest.raises(ConfigError, match="experiment"):
        read_frgc(frgc, experiment="2.0.3")
    with pytest.raises(ConfigError, match="sets"):
        read_frgc(frgc, sets=["gallery"])


def test_options_schema_defaults_match_the_function() -> None:
    jsonschema.Draft202012Validator.check_schema(OPTIONS_SCHEMA)
    signature = inspect.signature(read_frgc)
    for name, spec in OPTIONS_SCHEMA["properties"].items():
        default = signature.parameters[name].default
        assert spec["default"] == (list(default) if isinstance(default, tuple) else default)


def test_listing_becomes_a_manifest_and_a_cross_session_protocol(frgc: Path) -> None:
    """The contract with the manifest step and the paper's protocol, end to end."""
    from colourfr.datasets.manifest import STATUS_OK, build_manifest
    from colourfr.protocol import reference_per_subject

    manifest = build_manifest(read_frgc(frgc), "frgc")
    assert (manifest["status"] == STATUS_OK).all()
    assert set(zip(manifest["width"], manifest["height"])) == {(4, 3)}
    protocol = reference_per_subject(manifest)
    # reference: first recording of the first day; probes: the other days' recordings
    assert protocol.references["image_id"].tolist() == ["nd1R00010", "nd1R00030"]
    assert sorted(protocol.probes["image_id"]) == ["nd1R00020", "nd1R00031"]


def test_references_command_output_round_trips(frgc: Path, tmp_path: Path) -> None:
    from helpers.references import references_round_trip

    dataset = {"format": "frgc", "root": str(frgc)}
    written, chosen = references_round_trip(dataset, tmp_path, "expression=controlled")
    assert written == chosen
    assert len(chosen) == len({still.subject for still in TARGET})
