"""Comparison protocols.

``reference-per-subject`` (the paper's): each subject contributes one reference; its
other images are probes, preferably from other sessions. Every probe is compared with
its own reference (genuine) and, where a scenario asks for impostors, with every other
subject's reference. ``lfw-pairs``: the LFW ``pairs.txt`` 10-fold list of 3,000 genuine
and 3,000 impostor pairs.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.errors import ManifestError
from colourfr.io.atomic import write_json
from colourfr.io.csv import read_csv, write_csv
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
    #: how the references were chosen (Table 1 states it)
    reference_rule: str = "first"

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


RULE_FIRST = "first"
RULE_LIST = "list"
RULE_BEST = "best"
#: How far the nose may sit from the face's midline (in inter-ocular distances) for a
#: face to count as frontal when pose and quality choose the reference together.
DEFAULT_MAX_POSE_DEVIATION = 0.2


def pose_deviation(landmarks: np.ndarray | None) -> float:
    """How far from frontal a face is, from its 5 landmarks (eyes, nose, mouth corners):
    the nose's distance from the face's midline (eye centre to mouth centre), in
    inter-ocular distances. 0 for a frontal face, growing with yaw (about 0.5 at 30
    degrees for an average face); invariant to in-plane rotation and scale. NaN when the
    landmarks are missing or degenerate."""
    if landmarks is None:
        return math.nan
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    if not np.isfinite(points).all():
        return math.nan
    eyes = (points[0] + points[1]) / 2.0
    mouth = (points[3] + points[4]) / 2.0
    axis = mouth - eyes
    interocular = float(np.linalg.norm(points[1] - points[0]))
    length = float(np.linalg.norm(axis))
    if interocular == 0.0 or length == 0.0:
        return math.nan
    offset = points[2] - eyes
    distance = abs(float(axis[0] * offset[1] - axis[1] * offset[0])) / length
    return distance / interocular


@dataclass(frozen=True)
class ReferenceRule:
    """How each subject's reference is chosen (config ``protocols.<name>.reference``)."""

    rule: str = RULE_FIRST
    #: rule list: image id -> the subject's reference
    listed: frozenset[str] = frozenset()
    #: rule best: quality score of the original image (higher is better; NaN: failed)
    quality: Mapping[str, float] | None = None
    #: rule best: pose deviation of the original image (lower is more frontal; NaN: failed)
    pose: Mapping[str, float] | None = None
    max_pose_deviation: float = DEFAULT_MAX_POSE_DEVIATION
    description: str = RULE_FIRST


def _best(candidates: pd.DataFrame, rule: ReferenceRule) -> pd.Series | None:
    """The best candidate by quality and/or pose; None if no candidate has a value."""
    frame = candidates.assign(
        _quality=[(rule.quality or {}).get(i, math.nan) for i in candidates["image_id"]],
        _pose=[(rule.pose or {}).get(i, math.nan) for i in candidates["image_id"]],
    )
    if rule.quality is not None and rule.pose is not None:
        frontal = frame[frame["_pose"] <= rule.max_pose_deviation]
        scored = frontal[frontal["_quality"].notna()]
        if not scored.empty:
            return scored.sort_values(["_quality", "image_id"], ascending=[False, True]).iloc[0]
        posed = frame[frame["_pose"].notna()]
        if not posed.empty:
            return posed.sort_values(["_pose", "image_id"]).iloc[0]
        frame = frame[frame["_quality"].notna()]
        return (
            None
            if frame.empty
            else frame.sort_values(["_quality", "image_id"], ascending=[False, True]).iloc[0]
        )
    if rule.quality is not None:
        scored = frame[frame["_quality"].notna()]
        if scored.empty:
            return None
        return scored.sort_values(["_quality", "image_id"], ascending=[False, True]).iloc[0]
    posed = frame[frame["_pose"].notna()]
    return None if posed.empty else posed.sort_values(["_pose", "image_id"]).iloc[0]


def choose_reference(images: pd.DataFrame, rule: ReferenceRule, subject: str) -> pd.Series:
    """One subject's reference among its images (sorted by session and image id)."""
    readable = images[images["status"] == STATUS_OK]
    candidates = readable if not readable.empty else images
    if rule.rule == RULE_LIST:
        chosen = images[images["image_id"].isin(rule.listed)]
        if len(chosen) != 1:
            found = ", ".join(chosen["image_id"]) or "none"
            raise ManifestError(
                f"reference list: subject {subject!r} needs exactly one listed reference, "
                f"found {found}"
            )
        return chosen.iloc[0]
    if rule.rule == RULE_BEST:
        best = _best(candidates, rule)
        if best is not None:
            return best
    return candidates.iloc[0]


def reference_per_subject(
    manifest: pd.DataFrame,
    probes_from_other_sessions: bool = True,
    same_session_fallback: bool = False,
    reference: ReferenceRule = ReferenceRule(),
) -> Protocol:
    """One reference per subject, chosen by ``reference`` (default: the first readable
    image in (session, image_id) order; see :class:`ReferenceRule`).

    With session metadata, probes come from the other sessions (as in the paper) when
    ``probes_from_other_sessions``; a subject photographed in one session only is then
    dropped, or, with ``same_session_fallback``, keeps its same-session images as probes
    (other sessions preferred, not required). Without session metadata (LFW), all other
    images are probes. Subjects left without a probe are dropped.
    """
    references: list[dict[str, str]] = []
    probes: list[dict[str, str]] = []
    description = reference.description
    if reference.rule == RULE_LIST:
        reference = replace(
            reference, listed=resolve_listed(reference.listed, manifest["image_id"])
        )
        # Ids of images the subject selection dropped (a dataset-wide list such as FERET's
        # fa partition names every subject) are not an error; a mistyped id is, through the
        # subject left without its listed reference.
        unknown = len(reference.listed - set(manifest["image_id"]))
        if unknown:
            description = description.rstrip(")") + f"; {unknown} listed ids not in the manifest)"
    for subject, images in manifest.groupby("subject_id", sort=True):
        images = images.assign(_session=images.apply(_session_key, axis=1)).sort_values(
            ["_session", "image_id"], kind="stable"
        )
        reference_row = choose_reference(images, reference, str(subject))
        reference_session = reference_row["_session"]
        others = images[images["image_id"] != reference_row["image_id"]]
        if probes_from_other_sessions and reference_session:
            other_sessions = others[others["_session"] != reference_session]
            if not other_sessions.empty or not same_session_fallback:
                others = other_sessions
        if others.empty:
            continue
        references.append({"image_id": reference_row["image_id"], "subject_id": subject})
        probes.extend({"image_id": i, "subject_id": subject} for i in others["image_id"])
    protocol = Protocol(
        kind=KIND_REFERENCE_PER_SUBJECT,
        comparisons=ALL_VS_ALL,
        references=pd.DataFrame(references, columns=["image_id", "subject_id"]),
        probes=pd.DataFrame(probes, columns=["image_id", "subject_id"]),
        reference_rule=description,
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
        pairs[["probe", "probe_subject"]]
        .drop_duplicates()
        .set_axis(["image_id", "subject_id"], axis=1)
    )
    return Protocol(
        kind=KIND_LFW_PAIRS,
        comparisons=PAIR_LIST,
        references=references.reset_index(drop=True),
        probes=probes.reset_index(drop=True),
        pairs=pairs[PAIR_COLUMNS],
    )


#: File-name endings dropped from a listed entry, so that lists naming files (FERET's
#: ``doc/partitions/fa.txt``: ``00001 00001_930831_fa_a.ppm.bz2``) give image ids (stems).
_LISTED_SUFFIXES = (".bz2", ".gz", ".ppm", ".pgm", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


def _normalised_entry(entry: str) -> str:
    """A listed id with ``\\`` as ``/``, ``./`` and repeated slashes dropped and image-file
    endings removed. Folders stay: folder datasets' ids are ``subject/file``."""
    parts = [part for part in entry.strip().replace("\\", "/").split("/") if part not in ("", ".")]
    entry = "/".join(parts)
    changed = True
    while changed:
        changed = False
        for suffix in _LISTED_SUFFIXES:
            if entry.lower().endswith(suffix) and len(entry) > len(suffix):
                entry, changed = entry[: -len(suffix)], True
    return entry


def _listed_candidates(entry: str) -> list[str]:
    """The ids one list line may name, most literal first: the whole line, then, for a
    ``<subject> <file>`` line as FERET's partition files have, the file."""
    candidates = [_normalised_entry(entry)]
    fields = entry.split()
    if len(fields) == 2:
        candidates.append(_normalised_entry(fields[1]))
    return candidates


def read_reference_list(path: str | os.PathLike[str]) -> frozenset[str]:
    """The entries of a reference list: one per line (comments start with ``#``), or the
    ``image_id`` column of a CSV whose header names one (a one-column file headed
    ``image_id`` included). :func:`resolve_listed` finds the image ids they name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"reference list {path}: cannot read it ({exc})") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("#")]
    header = [c.strip().strip('"') for c in lines[0].split(",")] if lines else []
    if "image_id" in header:
        column = header.index("image_id")
        entries = [line.split(",")[column].strip().strip('"') for line in lines[1:]]
    else:
        entries = lines
    entries = [entry for entry in entries if entry]
    if not entries:
        raise ManifestError(f"reference list {path}: no image id in it")
    return frozenset(entries)


def resolve_listed(listed: frozenset[str], image_ids: Iterable[str]) -> frozenset[str]:
    """The manifest ids the listed entries name. Of an entry's candidates (the line, or
    the file of a ``<subject> <file>`` line), the first equal to an id names it; else the
    first whose last part (``subject/file`` -> ``file``) is the last part of exactly one
    id (lists of file names against ids with folders). An entry that names no id stays
    as it is, and counts as not in the manifest."""
    ids = set(map(str, image_ids))
    by_name: dict[str, list[str]] = {}
    for image_id in ids:
        by_name.setdefault(image_id.rsplit("/", 1)[-1], []).append(image_id)
    resolved = set()
    for entry in listed:
        candidates = _listed_candidates(entry)
        exact = [c for c in candidates if c in ids]
        named = [
            by_name[c.rsplit("/", 1)[-1]][0]
            for c in candidates
            if len(by_name.get(c.rsplit("/", 1)[-1], [])) == 1
        ]
        resolved.add((exact or named or candidates)[0])
    return frozenset(resolved)


def reference_rule(
    options: Mapping[str, object],
    quality: Mapping[str, float] | None = None,
    pose: Mapping[str, float] | None = None,
) -> ReferenceRule:
    """The ReferenceRule of a protocol's ``reference`` settings (with the scores of the
    original images where rule best needs them)."""
    settings = dict(options.get("reference") or {})  # type: ignore[call-overload]
    rule = str(settings.get("rule", RULE_FIRST))
    if rule == RULE_LIST:
        listed = settings.get("list")
        if not listed:
            raise ManifestError("reference rule list needs reference.list (a file of image ids)")
        return ReferenceRule(
            RULE_LIST,
            listed=read_reference_list(str(listed)),
            description=f"list ({Path(str(listed)).name})",
        )
    if rule == RULE_BEST:
        parts = [f"{key}: {settings[key]}" for key in ("quality", "pose") if settings.get(key)]
        if not parts:
            raise ManifestError("reference rule best needs reference.quality and/or reference.pose")
        deviation = float(settings.get("max_pose_deviation", DEFAULT_MAX_POSE_DEVIATION))  # type: ignore[arg-type]
        if settings.get("quality") and settings.get("pose"):
            # With both, the best quality among near-frontal images: the bound is the rule.
            parts.append(f"max pose deviation {deviation:g}")
        return ReferenceRule(
            RULE_BEST,
            quality=quality if settings.get("quality") else None,
            pose=pose if settings.get("pose") else None,
            max_pose_deviation=deviation,
            description="best (" + "; ".join(parts) + ")",
        )
    return ReferenceRule()


def pairs_file_of(options: Mapping[str, Any], dataset_root: str | None) -> Path:
    """The pair list a pair-list protocol reads (relative names are below the dataset)."""
    pairs_file = Path(str(options.get("pairs_file", "pairs.txt")))
    if not pairs_file.is_absolute() and dataset_root is not None:
        pairs_file = Path(dataset_root) / pairs_file
    return pairs_file


def protocol_files(options: Mapping[str, Any], dataset_root: str | None) -> list[str]:
    """The files building the protocol of ``options`` reads: its reference list, its pair
    list (when the dataset's root is known, i.e. not one still to be downloaded)."""
    files = []
    reference = options.get("reference") or {}
    if reference.get("rule") == RULE_LIST and reference.get("list"):
        files.append(str(reference["list"]))
    if options["kind"] == KIND_LFW_PAIRS and dataset_root is not None:
        files.append(str(pairs_file_of(options, dataset_root)))
    return files


def build_protocol(
    manifest: pd.DataFrame,
    options: dict,
    dataset_root: str | None,
    quality: Mapping[str, float] | None = None,
    pose: Mapping[str, float] | None = None,
) -> Protocol:
    """The protocol of ``options`` (a validated ``protocols.<name>``); ``quality`` and
    ``pose`` (image id -> value on the original image) for reference rule best."""
    kind = options["kind"]
    if kind == KIND_REFERENCE_PER_SUBJECT:
        return reference_per_subject(
            manifest,
            probes_from_other_sessions=options.get("probes_from_other_sessions", True),
            same_session_fallback=options.get("same_session_fallback", False),
            reference=reference_rule(options, quality, pose),
        )
    if kind == KIND_LFW_PAIRS:
        return lfw_pairs(manifest, pairs_file_of(options, dataset_root))
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
        "reference_rule": protocol.reference_rule,
    }
    write_json(directory / "protocol.json", summary)


def read_protocol(directory: str | os.PathLike[str]) -> Protocol:
    directory = Path(directory)
    summary = json.loads((directory / "protocol.json").read_text())
    pairs = None
    if summary["comparisons"] == PAIR_LIST:
        pairs = pd.read_csv(directory / "pairs.csv", dtype={"reference": str, "probe": str})
    return Protocol(
        kind=summary["kind"],
        comparisons=summary["comparisons"],
        references=read_csv(
            directory / "references.csv", what="references", dtype=str, keep_default_na=False
        ),
        probes=read_csv(directory / "probes.csv", what="probes", dtype=str, keep_default_na=False),
        pairs=pairs,
        reference_rule=summary.get("reference_rule", RULE_FIRST),
    )


def dataset_overview(
    dataset: str, protocol_name: str, protocol: Protocol, duplicate_impostors: int = 0
) -> pd.DataFrame:
    """The paper's Table 1 row: subjects, images, genuine and impostor comparison counts,
    and how many impostor comparisons are between copies of one photo filed under two
    subjects (colourfr.datasets.suspicious)."""
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
                "reference_rule": protocol.reference_rule,
                "probes": len(protocol.probes),
                "genuine_comparisons": protocol.genuine_count(),
                "impostor_comparisons": protocol.impostor_count(),
                "duplicate_impostors": int(duplicate_impostors),
            }
        ]
    )


def read_protocol_images(
    references_csv: str | os.PathLike[str], probes_csv: str | os.PathLike[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A protocol's references.csv and probes.csv (image_id, subject_id as text)."""
    from colourfr.io.csv import read_csv

    return tuple(  # type: ignore[return-value]
        read_csv(path, required=("image_id", "subject_id"), dtype=str)
        for path in (references_csv, probes_csv)
    )


def protocol_subjects(references: pd.DataFrame, probes: pd.DataFrame) -> pd.Series:
    """image id -> subject id over the protocol's references and probes."""
    both = pd.concat([references, probes])[["image_id", "subject_id"]].astype(str)
    return both.drop_duplicates("image_id").set_index("image_id")["subject_id"]
