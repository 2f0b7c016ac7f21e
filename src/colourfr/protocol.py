"""Comparison protocols.

``reference-per-subject`` (the paper's): each subject contributes one reference; its
other images are probes, preferably from other sessions. Every probe is compared with
its own reference (genuine) and, where a scenario asks for impostors, with every other
subject's reference. ``lfw-pairs``: the LFW ``pairs.txt`` 10-fold list of 3,000 genuine
and 3,000 impostor pairs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from colourfr.errors import ManifestError
from colourfr.io.csv import write_csv
from colourfr.io.status import STATUS_OK

KIND_REFERENCE_PER_SUBJECT = "reference-per-subject"
KIND_LFW_PAIRS = "lfw-pairs"
ALL_VS_ALL = "all-vs-all"
PAIR_LIST = "pairs"
PAIR_COLUMNS = ["reference", "probe", "genuine", "fold"]


@dataclass
class Protocol:
    """References and probes (image_id, subject_id); ``pairs`` only for explicit lists."""

    kind: str
    comparisons: str
    references: pd.DataFrame
    probes: pd.DataFrame
    pairs: pd.DataFrame | None = None

    def genuine_count(self) -> int:
        if self.pairs is not None:
            return int(self.pairs["genuine"].sum())
        return len(self.probes)

    def impostor_count(self) -> int:
        if self.pairs is not None:
            return int((~self.pairs["genuine"]).sum())
        per_probe = len(self.references) - 1
        return len(self.probes) * per_probe


def _session_key(row: pd.Series) -> str:
    return row["session"] or row["capture_date"]


def reference_per_subject(
    manifest: pd.DataFrame,
    probes_from_other_sessions: bool = True,
    same_session_fallback: bool = False,
) -> Protocol:
    """One reference per subject: the first readable image in (session, image_id) order.

    With session metadata, probes come from the other sessions (as in the paper) when
    ``probes_from_other_sessions``; a subject photographed in one session only is then
    dropped, or, with ``same_session_fallback``, keeps its same-session images as probes
    (other sessions preferred, not required). Without session metadata (LFW), all other
    images are probes. Subjects left without a probe are dropped.
    """
    references: list[dict[str, str]] = []
    probes: list[dict[str, str]] = []
    for subject, images in manifest.groupby("subject_id", sort=True):
        images = images.assign(_session=images.apply(_session_key, axis=1)).sort_values(
            ["_session", "image_id"], kind="stable"
        )
        readable = images[images["status"] == STATUS_OK]
        reference = (readable if not readable.empty else images).iloc[0]
        others = images[images["image_id"] != reference["image_id"]]
        if probes_from_other_sessions and reference["_session"]:
            other_sessions = others[others["_session"] != reference["_session"]]
            if not other_sessions.empty or not same_session_fallback:
                others = other_sessions
        if others.empty:
            continue
        references.append({"image_id": reference["image_id"], "subject_id": subject})
        probes.extend({"image_id": i, "subject_id": subject} for i in others["image_id"])
    protocol = Protocol(
        kind=KIND_REFERENCE_PER_SUBJECT,
        comparisons=ALL_VS_ALL,
        references=pd.DataFrame(references, columns=["image_id", "subject_id"]),
        probes=pd.DataFrame(probes, columns=["image_id", "subject_id"]),
    )
    if protocol.genuine_count() == 0:
        raise ManifestError(
            "protocol reference-per-subject yields no genuine pair: no subject has a "
            "second image" + (" from another session" if probes_from_other_sessions else "")
        )
    return protocol


def parse_lfw_pairs(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Parse LFW ``pairs.txt``: header ``folds n``, then per fold n matched and n mismatched."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc}") from None
    try:
        folds, per_fold = (int(x) for x in lines[0].split())
    except (IndexError, ValueError):
        raise ManifestError(f"{path}: line 1: expected '<folds> <pairs per fold>'") from None
    rows = []
    cursor = 1
    for fold in range(folds):
        for genuine in (True, False):
            for _ in range(per_fold):
                if cursor >= len(lines):
                    raise ManifestError(f"{path}: ends early at line {cursor + 1}")
                fields = lines[cursor].split()
                try:
                    if genuine and len(fields) == 3:
                        a = f"{fields[0]}_{int(fields[1]):04d}"
                        b = f"{fields[0]}_{int(fields[2]):04d}"
                        subjects = (fields[0], fields[0])
                    elif not genuine and len(fields) == 4:
                        a = f"{fields[0]}_{int(fields[1]):04d}"
                        b = f"{fields[2]}_{int(fields[3]):04d}"
                        subjects = (fields[0], fields[2])
                    else:
                        raise ValueError
                except ValueError:
                    kind = "matched" if genuine else "mismatched"
                    raise ManifestError(
                        f"{path}: line {cursor + 1}: malformed {kind} pair {lines[cursor]!r}"
                    ) from None
                rows.append((a, subjects[0], b, subjects[1], genuine, fold + 1))
                cursor += 1
    return pd.DataFrame(
        rows,
        columns=[
            "reference",
            "reference_subject",
            "probe",
            "probe_subject",
            "genuine",
            "fold",
        ],
    )


def lfw_pairs(manifest: pd.DataFrame, pairs_file: str | os.PathLike[str]) -> Protocol:
    pairs = parse_lfw_pairs(pairs_file)
    known = set(manifest["image_id"])
    unknown = sorted((set(pairs["reference"]) | set(pairs["probe"])) - known)
    if unknown:
        raise ManifestError(
            f"{pairs_file}: {len(unknown)} image(s) not in the dataset manifest, e.g. "
            f"{unknown[0]} (the lfw-pairs protocol needs the full LFW, without subject limits)"
        )
    references = (
        pairs[["reference", "reference_subject"]]
        .drop_duplicates()
        .set_axis(["image_id", "subject_id"], axis=1)
    )
    probes = (
        pairs[["probe", "probe_subject"]].drop_duplicates().set_axis(["image_id", "subject_id"], axis=1)
    )
    return Protocol(
        kind=KIND_LFW_PAIRS,
        comparisons=PAIR_LIST,
        references=references.reset_index(drop=True),
        probes=probes.reset_index(drop=True),
        pairs=pairs[PAIR_COLUMNS],
    )


def build_protocol(manifest: pd.DataFrame, options: dict, dataset_root: str | None) -> Protocol:
    kind = options["kind"]
    if kind == KIND_REFERENCE_PER_SUBJECT:
        return reference_per_subject(
            manifest,
            probes_from_other_sessions=options.get("probes_from_other_sessions", True),
            same_session_fallback=options.get("same_session_fallback", False),
        )
    if kind == KIND_LFW_PAIRS:
        pairs_file = Path(options.get("pairs_file", "pairs.txt"))
        if not pairs_file.is_absolute() and dataset_root is not None:
            pairs_file = Path(dataset_root) / pairs_file
        return lfw_pairs(manifest, pairs_file)
    raise ManifestError(f"unknown protocol kind {kind!r}")


def write_protocol(protocol: Protocol, directory: str | os.PathLike[str]) -> None:
    directory = Path(directory)
    write_csv(protocol.references, directory / "references.csv")
    write_csv(protocol.probes, directory / "probes.csv")
    # Always written (empty for all-vs-all) so that the file set is the same for every kind.
    pairs = protocol.pairs if protocol.pairs is not None else pd.DataFrame(columns=PAIR_COLUMNS)
    write_csv(pairs, directory / "pairs.csv")
    summary = {
        "kind": protocol.kind,
        "comparisons": protocol.comparisons,
        "references": len(protocol.references),
        "probes": len(protocol.probes),
        "genuine_comparisons": protocol.genuine_count(),
        "impostor_comparisons": protocol.impostor_count(),
    }
    tmp = directory / ".protocol.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    os.replace(tmp, directory / "protocol.json")


def read_protocol(directory: str | os.PathLike[str]) -> Protocol:
    directory = Path(directory)
    summary = json.loads((directory / "protocol.json").read_text())
    pairs = None
    if summary["comparisons"] == PAIR_LIST:
        pairs = pd.read_csv(directory / "pairs.csv", dtype={"reference": str, "probe": str})
    return Protocol(
        kind=summary["kind"],
        comparisons=summary["comparisons"],
        references=pd.read_csv(directory / "references.csv", dtype=str, keep_default_na=False),
        probes=pd.read_csv(directory / "probes.csv", dtype=str, keep_default_na=False),
        pairs=pairs,
    )


def dataset_overview(dataset: str, protocol_name: str, protocol: Protocol) -> pd.DataFrame:
    """The paper's Table 1 row: subjects, images, genuine and impostor comparison counts."""
    subjects = pd.concat([protocol.references["subject_id"], protocol.probes["subject_id"]])
    images = pd.concat([protocol.references["image_id"], protocol.probes["image_id"]])
    return pd.DataFrame(
        [
            {
                "dataset": dataset,
                "protocol": protocol_name,
                "subjects": subjects.nunique(),
                "images": images.nunique(),
                "references": len(protocol.references),
                "probes": len(protocol.probes),
                "genuine_comparisons": protocol.genuine_count(),
                "impostor_comparisons": protocol.impostor_count(),
            }
        ]
    )
