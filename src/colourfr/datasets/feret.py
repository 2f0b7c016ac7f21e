"""Reader for the NIST Color FERET database (2003 colour release) in its distributed layout.

Layout of a copy (one or both DVDs; the grey FERET subset on DVD 2 is ignored)::

    colorferet/
      dvd1/  (subjects 00001-00739)          dvd2/  (subjects 00740-01208)
        data/images/<subject>/<subject>_<yymmdd>_<pose>[_<flags>].ppm.bz2
        data/ground_truths/xml/<subject>/<subject>.xml          (Subjects: gender, YOB, race)
        data/ground_truths/xml/<subject>/<image stem>.xml       (Recordings: URL, CaptureDate, Pose)
        data/ground_truths/name_value/<subject>/<image stem>.txt   (the same as key=value lines)
        doc/partitions/{fa,fb,dup1,dup2}.txt                    (FERET evaluation partitions)

What each manifest column means for FERET:

* ``image_id``: the image file stem, e.g. ``00001_930831_fa_a`` (unique in the database);
* ``subject_id``: the five-digit NIST subject number, e.g. ``00001``;
* ``capture_date``: the recording's capture date (ISO); ``session`` is the same date,
  because FERET's notion of a session is a capture day: a "duplicate" probe is one
  taken on a different date than the gallery image;
* ``pose``: the FERET pose code (``fa``, ``fb``, ``ql``, ``qr``, ``hl``, ``hr``, ``pl``,
  ``pr``, ``ra``..``re``; see :data:`POSE_DESCRIPTIONS`);
* ``expression``: ``regular`` for ``fa`` and ``alternative`` for ``fb`` (the two frontal
  images of a session differ in facial expression); empty for the other poses, whose
  expression the ground truth does not record.

Images are distributed bzip2-compressed (``.ppm.bz2``), which the image decoders of the
workflow do not read. A copy whose images were decompressed in place (``.ppm``) is used
as it is; otherwise set ``decompress_dir`` and each selected image is decompressed once
into ``<decompress_dir>/<subject>/<stem>.ppm`` (later runs reuse the file).
"""

from __future__ import annotations

import bz2
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pandas as pd

from colourfr.datasets.manifest import raw_listing_of
from colourfr.errors import ConfigError, ManifestError

log = logging.getLogger(__name__)

#: FERET pose codes (file names and ground truth), from the FERET documentation.
POSE_DESCRIPTIONS: Mapping[str, str] = {
    "fa": "frontal, regular facial expression",
    "fb": "frontal, alternative facial expression (taken shortly after fa)",
    "fc": "frontal, different camera and lighting",
    "ql": "quarter left (head turned about 22.5 degrees left)",
    "qr": "quarter right (about 22.5 degrees right)",
    "hl": "half left (about 67.5 degrees left)",
    "hr": "half right (about 67.5 degrees right)",
    "pl": "profile left (90 degrees)",
    "pr": "profile right (90 degrees)",
    "ra": "random pose, about 45 degrees left",
    "rb": "random pose, about 15 degrees left",
    "rc": "random pose, about 15 degrees right",
    "rd": "random pose, about 45 degrees right",
    "re": "random pose, about 75 degrees right",
}
#: The two frontal images of a FERET session differ only in facial expression.
EXPRESSION_BY_POSE: Mapping[str, str] = {"fa": "regular", "fb": "alternative"}
#: The paper compares frontal images, so that is the default selection.
DEFAULT_POSES = ("fa", "fb")
PARTITION_NAMES = ("fa", "fb", "dup1", "dup2")
METADATA_SOURCES = ("auto", "xml", "name_value", "filenames")
MISSING_IMAGE_POLICIES = ("error", "skip")

#: JSON schema (draft 2020-12) of the options of :func:`read_feret`.
OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "poses": {
            "description": "FERET pose codes to keep; null keeps every pose.",
            "type": ["array", "null"],
            "items": {"enum": sorted(POSE_DESCRIPTIONS)},
            "uniqueItems": True,
            "minItems": 1,
            "default": list(DEFAULT_POSES),
        },
        "metadata": {
            "description": "Ground truth to read: xml, name_value, or filenames only; "
            "auto takes xml, else name_value, else the file names.",
            "enum": list(METADATA_SOURCES),
            "default": "auto",
        },
        "partitions": {
            "description": "Keep only images listed in these FERET partition files "
            "(doc/partitions/<name>.txt); null keeps all.",
            "type": ["array", "null"],
            "items": {"enum": list(PARTITION_NAMES)},
            "uniqueItems": True,
            "minItems": 1,
            "default": None,
        },
        "missing_images": {
            "description": "What to do when the ground truth names an image that is not "
            "on disk: error (default) or skip it with a warning.",
            "enum": list(MISSING_IMAGE_POLICIES),
            "default": "error",
        },
        "decompress_dir": {
            "description": "Folder receiving decompressed .ppm copies of .ppm.bz2 images "
            "(created when needed); required when the copy is still compressed.",
            "type": ["string", "null"],
            "default": None,
        },
    },
}

_STEM_PATTERN = re.compile(
    r"^(?P<subject>\d{5})_(?P<yymmdd>\d{6})_(?P<pose>[a-z]{2})(?:_(?P<flags>[a-z]+))?$"
)
_IMAGE_SUFFIXES = (".ppm", ".ppm.bz2")
_SUBJECT_DIR_PATTERN = re.compile(r"^\d{5}$")
_NIST_SUBJECT_PREFIX = "cfrS"


@dataclass(frozen=True)
class FeretName:
    """The parts of a FERET image file stem ``<subject>_<yymmdd>_<pose>[_<flags>]``."""

    subject_id: str
    capture_date: str  # ISO yyyy-mm-dd
    pose: str
    flags: str


@dataclass(frozen=True)
class FeretRecording:
    """One image as the ground truth (or, without one, its file name) describes it."""

    stem: str
    subject_id: str
    capture_date: str
    pose: str
    source: str  # the metadata file (or image) this came from, for error messages


def image_stem(file_name: str) -> str:
    """``00001_930831_fa_a.ppm.bz2`` -> ``00001_930831_fa_a`` (any of the FERET suffixes)."""
    for suffix in (".ppm.bz2", ".ppm", ".bz2"):
        if file_name.endswith(suffix):
            return file_name[: -len(suffix)]
    return file_name


def parse_yymmdd(text: str) -> str:
    """FERET file-name date ``930831`` -> ``1993-08-31``.

    FERET was photographed 1993-1996, so the two-digit years are 19yy.
    """
    if not re.fullmatch(r"\d{6}", text):
        raise ValueError(f"not a yymmdd date: {text!r}")
    return date(1900 + int(text[:2]), int(text[2:4]), int(text[4:6])).isoformat()


def parse_us_date(text: str) -> str:
    """Ground-truth date ``MM/DD/YYYY`` -> ISO ``YYYY-MM-DD``."""
    match = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", text)
    if not match:
        raise ValueError(f"not a MM/DD/YYYY date: {text!r}")
    month, day, year = (int(part) for part in match.groups())
    return date(year, month, day).isoformat()


def parse_feret_name(stem: str) -> FeretName:
    """Split a file stem such as ``00001_930831_fa_a``; raises ValueError if malformed."""
    match = _STEM_PATTERN.fullmatch(stem)
    if not match:
        raise ValueError(f"{stem!r} is not a FERET image name <subject>_<yymmdd>_<pose>[_<flags>]")
    return FeretName(
        subject_id=match["subject"],
        capture_date=parse_yymmdd(match["yymmdd"]),
        pose=match["pose"],
        flags=match["flags"] or "",
    )


def parse_name_value(text: str, source: str) -> dict[str, str]:
    """Parse the ``key=value`` lines of a ground-truth txt file (blank lines allowed).

    Raises ManifestError naming ``source`` and the line for a line without ``=``, an
    empty key or a repeated key.
    """
    values: dict[str, str] = {}
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        key, separator, value = line.partition("=")
        key = key.strip()
        if not separator or not key:
            raise ManifestError(f"{source}:{number}: expected key=value, got {raw_line!r}")
        if key in values:
            raise ManifestError(f"{source}:{number}: key {key!r} repeated")
        values[key] = value.strip()
    return values


def _strip_subject_prefix(value: str) -> str:
    return value.removeprefix(_NIST_SUBJECT_PREFIX)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find_descendant(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    for candidate in element.iter():
        if _local_name(candidate.tag) == name:
            return candidate
    return None


def _recording_from_fields(
    *,
    stem: str,
    subject_field: str | None,
    date_field: str | None,
    pose_field: str | None,
    directory_subject: str,
    source: str,
) -> FeretRecording:
    """Check one ground-truth record and turn it into a FeretRecording."""
    if not date_field:
        raise ManifestError(f"{source}: no capture date for image {stem}")
    if not pose_field:
        raise ManifestError(f"{source}: no pose for image {stem}")
    try:
        capture_date = parse_us_date(date_field)
    except ValueError as exc:
        raise ManifestError(f"{source}: capture date of {stem}: {exc}") from None
    subject_id = _strip_subject_prefix(subject_field) if subject_field else directory_subject
    if subject_id != directory_subject:
        raise ManifestError(
            f"{source}: subject {subject_field!r} of image {stem} does not match "
            f"its folder {directory_subject!r}"
        )
    pose = pose_field.strip().lower()
    return FeretRecording(stem, subject_id, capture_date, pose, source)


def parse_recording_xml(path: Path, directory_subject: str) -> list[FeretRecording]:
    """Read one ``ground_truths/xml/<subject>/<stem>.xml`` Recordings file.

    A subject file (root ``Subjects``) yields no recordings. Raises ManifestError naming
    the file (and line, for XML syntax errors) when it is malformed.
    """
    try:
        tree = ElementTree.parse(path)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise ManifestError(f"{path}:{line}:{column}: malformed XML ({exc})") from None
    root = tree.getroot()
    if _local_name(root.tag) == "Subjects":
        return []
    recordings = (
        [root]
        if _local_name(root.tag) == "Recording"
        else [child for child in root if _local_name(child.tag) == "Recording"]
    )
    if not recordings:
        raise ManifestError(f"{path}: no <Recording> element (root is <{root.tag}>)")
    result = []
    for recording in recordings:
        url = _find_descendant(recording, "URL")
        relative = url.get("relative") if url is not None else None
        if not relative:
            raise ManifestError(
                f"{path}: <Recording id={recording.get('id')!r}> has no URL relative path"
            )
        subject = _find_descendant(recording, "Subject")
        capture = _find_descendant(recording, "CaptureDate")
        pose = _find_descendant(recording, "Pose")
        result.append(
            _recording_from_fields(
                stem=image_stem(Path(relative).name),
                subject_field=subject.get("id") if subject is not None else None,
                date_field=capture.text if capture is not None else None,
                pose_field=pose.get("name") if pose is not None else None,
                directory_subject=directory_subject,
                source=str(path),
            )
        )
    return result


def parse_recording_name_value(path: Path, directory_subject: str) -> list[FeretRecording]:
    """Read one ``ground_truths/name_value/<subject>/<stem>.txt`` file.

    The subject file ``<subject>.txt`` (gender, YOB, race) yields no recordings.
    """
    if path.stem == directory_subject:
        return []
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not a text file ({exc})") from None
    fields = parse_name_value(text, str(path))
    relative = fields.get("relative")
    stem = image_stem(Path(relative).name) if relative else path.stem
    return [
        _recording_from_fields(
            stem=stem,
            subject_field=fields.get("subject"),
            date_field=fields.get("capture_date"),
            pose_field=fields.get("pose"),
            directory_subject=directory_subject,
            source=str(path),
        )
    ]


def find_discs(root: Path) -> list[Path]:
    """Folders holding a FERET ``data/`` tree: ``root`` itself, or up to two levels below.

    ``root`` may be a DVD folder, the ``colorferet`` folder with ``dvd1``/``dvd2``, or
    the folder containing ``colorferet``. The grey FERET copies (``gray_feret_cd*``) on
    DVD 2 are not part of the colour database and are skipped.
    """

    def is_disc(folder: Path) -> bool:
        return (folder / "data" / "images").is_dir() or (folder / "data" / "ground_truths").is_dir()

    if is_disc(root):
        return [root]
    discs: list[Path] = []
    for child in sorted(p for p in root.iterdir() if p.is_dir()):
        if child.name.startswith("gray_feret"):
            continue
        if is_disc(child):
            discs.append(child)
            continue
        for grandchild in sorted(p for p in child.iterdir() if p.is_dir()):
            if not grandchild.name.startswith("gray_feret") and is_disc(grandchild):
                discs.append(grandchild)
    return discs


def index_images(discs: Iterable[Path]) -> dict[str, Path]:
    """Map every image stem under ``<disc>/data/images/<subject>/`` to its file.

    A stem present both decompressed (``.ppm``) and compressed prefers the ``.ppm``.
    The same image on two discs is ambiguous and raises ManifestError.
    """
    found: dict[str, Path] = {}
    for disc in discs:
        images = disc / "data" / "images"
        if not images.is_dir():
            continue
        for subject_dir in sorted(images.iterdir()):
            if not subject_dir.is_dir():
                continue
            for entry in sorted(subject_dir.iterdir()):
                if not entry.name.endswith(_IMAGE_SUFFIXES) or not entry.is_file():
                    continue
                stem = image_stem(entry.name)
                previous = found.get(stem)
                if previous is None:
                    found[stem] = entry
                elif previous.parent == entry.parent:
                    if entry.suffix == ".ppm":
                        found[stem] = entry
                else:
                    raise ManifestError(f"image {stem} found twice: {previous} and {entry}")
    return found


def _ground_truth_dirs(discs: Sequence[Path], kind: str) -> list[Path]:
    return [
        disc / "data" / "ground_truths" / kind
        for disc in discs
        if (disc / "data" / "ground_truths" / kind).is_dir()
    ]


def _has_ground_truth(discs: Sequence[Path], kind: str) -> bool:
    """Whether any disc has at least one per-subject record file of this kind."""
    suffix = ".xml" if kind == "xml" else ".txt"
    return any(
        next(folder.glob(f"[0-9][0-9][0-9][0-9][0-9]/*{suffix}"), None) is not None
        for folder in _ground_truth_dirs(discs, kind)
    )


def _read_ground_truth(discs: Sequence[Path], kind: str) -> list[FeretRecording]:
    parse = parse_recording_xml if kind == "xml" else parse_recording_name_value
    suffix = ".xml" if kind == "xml" else ".txt"
    recordings: list[FeretRecording] = []
    for folder in _ground_truth_dirs(discs, kind):
        # Only the per-subject folders: global summary files next to them would
        # list the same recordings a second time.
        for subject_dir in sorted(folder.iterdir()):
            if not subject_dir.is_dir() or not _SUBJECT_DIR_PATTERN.fullmatch(subject_dir.name):
                continue
            for path in sorted(subject_dir.glob(f"*{suffix}")):
                recordings.extend(parse(path, subject_dir.name))
    return recordings


def _recordings_from_file_names(images: Mapping[str, Path]) -> list[FeretRecording]:
    recordings = []
    for stem, path in sorted(images.items()):
        try:
            name = parse_feret_name(stem)
        except ValueError as exc:
            raise ManifestError(f"{path}: {exc}") from None
        if name.subject_id != path.parent.name:
            raise ManifestError(
                f"{path}: subject {name.subject_id} does not match its folder {path.parent.name}"
            )
        recordings.append(
            FeretRecording(stem, name.subject_id, name.capture_date, name.pose, str(path))
        )
    return recordings


def read_partition_stems(discs: Sequence[Path], names: Iterable[str]) -> set[str]:
    """Image stems listed in ``doc/partitions/<name>.txt`` (first disc that has it).

    Each non-blank line holds ``<subject> <image file name>`` (or just the file name).
    """
    stems: set[str] = set()
    for name in names:
        candidates = [disc / "doc" / "partitions" / f"{name}.txt" for disc in discs]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            searched = ", ".join(str(c) for c in candidates)
            raise ManifestError(f"FERET partition {name!r} not found; looked for {searched}")
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) > 2:
                raise ManifestError(f"{path}:{number}: expected '<subject> <image>', got {line!r}")
            stem = image_stem(fields[-1])
            try:
                parsed = parse_feret_name(stem)
            except ValueError as exc:
                raise ManifestError(f"{path}:{number}: {exc}") from None
            if len(fields) == 2 and fields[0] != parsed.subject_id:
                raise ManifestError(
                    f"{path}:{number}: subject {fields[0]} does not match image {fields[1]}"
                )
            stems.add(stem)
    return stems


def decompress_image(compressed: Path, target: Path) -> Path:
    """Decompress ``compressed`` (bzip2) into ``target`` once; later calls reuse it.

    The file is written under a temporary name and renamed, so an existing ``target``
    is always complete. A corrupt archive raises ManifestError naming it.
    """
    if target.is_file() and target.stat().st_size > 0:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as out, bz2.open(compressed, "rb") as source:
            while chunk := source.read(1 << 20):
                out.write(chunk)
        os.replace(temporary, target)
    except (OSError, EOFError) as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ManifestError(f"{compressed}: cannot decompress ({exc})") from None
    return target


def _check_choices(name: str, values: Iterable[str] | None, allowed: Iterable[str]) -> None:
    if values is None:
        return
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ConfigError(
            f"feret option {name}: unknown value(s) {unknown}; allowed: {sorted(allowed)}"
        )


def read_feret(
    root: Path | str,
    *,
    poses: Sequence[str] | None = DEFAULT_POSES,
    metadata: str = "auto",
    partitions: Sequence[str] | None = None,
    missing_images: str = "error",
    decompress_dir: Path | str | None = None,
) -> pd.DataFrame:
    """Read a Color FERET copy into manifest rows (see the module docstring).

    Images come from the ground truth (``metadata``: ``xml`` or ``name_value``; ``auto``
    takes the first present) or, with ``filenames``, from the image folders alone. Rows
    are sorted by image id.
    """
    _check_choices("poses", poses, POSE_DESCRIPTIONS)
    _check_choices("metadata", [metadata], METADATA_SOURCES)
    _check_choices("partitions", partitions, PARTITION_NAMES)
    _check_choices("missing_images", [missing_images], MISSING_IMAGE_POLICIES)
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        raise ManifestError(f"FERET root {root} is not a folder")
    discs = find_discs(root)
    if not discs:
        raise ManifestError(
            f"{root}: no Color FERET disc found (expected data/images/ in the folder, "
            "or in dvd1/ and dvd2/ below it)"
        )
    images = index_images(discs)

    source = metadata
    if source == "auto":
        source = next(
            (kind for kind in ("xml", "name_value") if _has_ground_truth(discs, kind)),
            "filenames",
        )
    if source == "filenames":
        recordings = _recordings_from_file_names(images)
    else:
        if not _has_ground_truth(discs, source):
            raise ManifestError(
                f"{root}: no data/ground_truths/{source}/<subject>/ records on any disc "
                f"({', '.join(str(d) for d in discs)})"
            )
        recordings = _read_ground_truth(discs, source)

    seen: dict[str, FeretRecording] = {}
    for recording in recordings:
        if recording.stem in seen:
            raise ManifestError(
                f"image {recording.stem} described twice: in {seen[recording.stem].source} "
                f"and in {recording.source}"
            )
        seen[recording.stem] = recording

    if poses is not None:
        wanted_poses = set(poses)
        recordings = [r for r in recordings if r.pose in wanted_poses]
    if partitions is not None:
        listed = read_partition_stems(discs, partitions)
        recordings = [r for r in recordings if r.stem in listed]

    rows = []
    for recording in recordings:
        path = images.get(recording.stem)
        if path is None:
            message = f"{recording.source}: image {recording.stem} not found under data/images/"
            if missing_images == "error":
                raise ManifestError(message + " (set missing_images: skip to drop it)")
            log.warning("%s; skipped", message)
            continue
        if path.name.endswith(".bz2"):
            if decompress_dir is None:
                raise ManifestError(
                    f"{path} is bzip2-compressed; set the dataset option decompress_dir "
                    "to a writable folder (or bunzip2 the images in place)"
                )
            path = decompress_image(
                path,
                Path(decompress_dir).resolve() / recording.subject_id / f"{recording.stem}.ppm",
            )
        rows.append(
            {
                "image_id": recording.stem,
                "subject_id": recording.subject_id,
                "path": str(path.resolve()),
                "session": recording.capture_date,
                "capture_date": recording.capture_date,
                "pose": recording.pose,
                "expression": EXPRESSION_BY_POSE.get(recording.pose, ""),
            }
        )
    return raw_listing_of(
        rows,
        f"{root}: no FERET image left (metadata={source}, poses={poses}, partitions={partitions})",
    )
