"""Reader for FRGC v2.0 (Face Recognition Grand Challenge, Notre Dame / NIST) still images.

Layout of a copy (the ``FRGC-2.0-dist`` folder)::

    FRGC-2.0-dist/
      nd1/Spring2003/<subject>d<n>.jpg        training collection (2002-2003)
      nd1/Fall2003/<subject>d<n>.jpg          validation collection
      nd1/Spring2004/<subject>d<n>.jpg        validation collection
      BEE_DIST/FRGC2.0/signature_sets/experiments/FRGC_Exp_2.0.<e>_{Target,Query,Training}.xml
      BEE_DIST/FRGC2.0/metadata/FRGC_2.0_Metadata.xml
      (some copies have BEE_DIST/linux/FRGC/FRGC2.0/... instead of BEE_DIST/FRGC2.0/...)

The images a reader returns are those of BEE signature sets (XML, namespace
``http://www.bee-biometrics.org/schemas/sigset/0.1``)::

    <biometric-signature name="nd1S04201">
      <presentation name="nd1R05677" modality="face" file-name="nd1/Fall2003/04201d58.jpg"
                    file-format="jpeg"/>
    </biometric-signature>

(``complex-biometric-signature`` groups several presentations of one subject, as in
experiment 2.0.2). What each manifest column means for FRGC:

* ``image_id``: the presentation (recording) name, e.g. ``nd1R05677``;
* ``subject_id``: the signature name, e.g. ``nd1S04201``;
* ``capture_date``: the ``capturedate`` of the recording in ``FRGC_2.0_Metadata.xml``
  (ISO), or empty when that file is absent or does not list the recording;
* ``session``: the capture date (a subject session of FRGC is one day: four controlled
  and two uncontrolled stills) when every listed recording has one; otherwise the
  collection folder (``Fall2003``) for every row, a coarser session that still never
  puts a reference and a probe of the same day together when probes are drawn from
  other sessions. One rule per dataset, because the protocol orders sessions: dates
  mixed with folder names would not sort in time;
* ``pose``: ``frontal`` (FRGC stills are frontal by design);
* ``expression``: the acquisition condition the signature set records, ``controlled``
  (studio lighting; experiment 2.0.1/2.0.2 sets and the 2.0.4 target set) or
  ``uncontrolled`` (hallway/outdoor lighting; the 2.0.4 query set); empty for the
  training sets, which mix both. FRGC's signature sets do not record the facial
  expression (neutral or smiling) itself.
"""

from __future__ import annotations

import logging
import re
import xml.sax
import xml.sax.handler
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.xmlreader import AttributesImpl, Locator

import pandas as pd

from colourfr.datasets.manifest import raw_listing_of
from colourfr.errors import ConfigError, ManifestError

log = logging.getLogger(__name__)

EXPERIMENTS = ("2.0.1", "2.0.2", "2.0.4")
SET_NAMES = ("target", "query", "training")
METADATA_POLICIES = ("auto", "require", "ignore")
MISSING_IMAGE_POLICIES = ("error", "skip")
CONTROLLED = "controlled"
UNCONTROLLED = "uncontrolled"

#: Acquisition condition of each (experiment, set) signature set. Experiments 1 and 2
#: match controlled stills against controlled stills; experiment 4 matches controlled
#: targets against uncontrolled queries. Training sets mix both conditions ("").
CONDITION_BY_SET: Mapping[tuple[str, str], str] = {
    ("2.0.1", "target"): CONTROLLED,
    ("2.0.1", "query"): CONTROLLED,
    ("2.0.2", "target"): CONTROLLED,
    ("2.0.2", "query"): CONTROLLED,
    ("2.0.4", "target"): CONTROLLED,
    ("2.0.4", "query"): UNCONTROLLED,
}

#: Where the BEE files live below the root, in the layouts seen in distributed copies.
BEE_PREFIXES = ("BEE_DIST/FRGC2.0", "BEE_DIST/linux/FRGC/FRGC2.0")
SIGNATURE_SET_DIR = "signature_sets/experiments"
METADATA_FILE = "metadata/FRGC_2.0_Metadata.xml"

#: JSON schema (draft 2020-12) of the options of :func:`read_frgc`.
OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "experiment": {
            "description": "FRGC experiment whose signature sets list the images.",
            "enum": list(EXPERIMENTS),
            "default": "2.0.4",
        },
        "sets": {
            "description": "Signature sets of the experiment to read (their union).",
            "type": "array",
            "items": {"enum": list(SET_NAMES)},
            "uniqueItems": True,
            "minItems": 1,
            "default": ["target", "query"],
        },
        "signature_sets": {
            "description": "Explicit signature-set XML files (absolute or relative to "
            "root); replaces experiment/sets when given.",
            "type": ["array", "null"],
            "items": {"type": "string"},
            "minItems": 1,
            "default": None,
        },
        "controlled_only": {
            "description": "Keep only images of controlled sets (drops uncontrolled "
            "and training images).",
            "type": "boolean",
            "default": False,
        },
        "metadata": {
            "description": "Capture dates from FRGC_2.0_Metadata.xml: auto (if present), "
            "require, or ignore.",
            "enum": list(METADATA_POLICIES),
            "default": "auto",
        },
        "missing_images": {
            "description": "What to do when a signature set names an image that is not "
            "on disk: error (default) or skip it with a warning.",
            "enum": list(MISSING_IMAGE_POLICIES),
            "default": "error",
        },
    },
}


@dataclass(frozen=True)
class Presentation:
    """One still image as a signature set lists it."""

    recording_id: str
    subject_id: str
    file_name: str  # relative to the root, as written in the set
    condition: str
    source: str  # "<set file>:<line>", for error messages


def signature_set_name(experiment: str, set_name: str) -> str:
    """``("2.0.4", "query")`` -> ``FRGC_Exp_2.0.4_Query.xml``."""
    return f"FRGC_Exp_{experiment}_{set_name.capitalize()}.xml"


def condition_of_set_file(file_name: str) -> str:
    """Acquisition condition of a signature set known by its BEE file name, else ""."""
    match = re.fullmatch(r"FRGC_Exp_(2\.0\.\d)_(Target|Query|Training)\.xml", file_name)
    if not match:
        return ""
    return CONDITION_BY_SET.get((match[1], match[2].lower()), "")


def parse_frgc_date(text: str) -> str:
    """Metadata date (``MM/DD/YYYY`` as BEE writes it, or ISO) -> ``YYYY-MM-DD``."""
    text = text.strip()
    us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if us:
        month, day, year = (int(part) for part in us.groups())
        return date(year, month, day).isoformat()
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
        return date(year, month, day).isoformat()
    raise ValueError(f"not a MM/DD/YYYY or YYYY-MM-DD date: {text!r}")


def collection_of(file_name: str) -> str:
    """``nd1/Fall2003/04201d58.jpg`` -> ``Fall2003`` (the folder holding the image)."""
    parts = Path(file_name).parts
    return parts[-2] if len(parts) >= 2 else ""


def _local_name(tag: str) -> str:
    return tag.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


class _LocatedHandler(xml.sax.handler.ContentHandler):
    """A SAX handler that knows the current line, to name it in error messages."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self._locator = locator

    def where(self) -> str:
        line = self._locator.getLineNumber() if self._locator is not None else "?"
        return f"{self.path}:{line}"


class _SignatureSetHandler(_LocatedHandler):
    def __init__(self, path: Path, condition: str) -> None:
        super().__init__(path)
        self.condition = condition
        self.subject: str | None = None
        self.presentations: list[Presentation] = []
        self.skipped_non_still = 0

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        local = _local_name(name)
        if local in ("biometric-signature", "complex-biometric-signature"):
            subject = attrs.get("name", "").strip()
            if not subject:
                raise ManifestError(f"{self.where()}: <{local}> without a name")
            self.subject = subject
        elif local == "presentation":
            if self.subject is None:
                raise ManifestError(f"{self.where()}: <presentation> outside a signature")
            file_name = attrs.get("file-name", "").strip()
            if not file_name:
                raise ManifestError(f"{self.where()}: <presentation> without file-name")
            file_format = attrs.get("file-format", "").strip().lower()
            if file_format not in ("", "jpeg", "jpg") or not file_name.lower().endswith(
                (".jpg", ".jpeg")
            ):
                # 3D range scans (experiment 3) and anything else that is no still image
                self.skipped_non_still += 1
                return
            recording = attrs.get("name", "").strip() or Path(file_name).stem
            self.presentations.append(
                Presentation(recording, self.subject, file_name, self.condition, self.where())
            )

    def endElement(self, name: str) -> None:
        if _local_name(name) in ("biometric-signature", "complex-biometric-signature"):
            self.subject = None


class _MetadataHandler(_LocatedHandler):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.capture_dates: dict[str, str] = {}

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        if _local_name(name) != "Recording":
            return
        fields = {key.lower(): value for key, value in attrs.items()}
        recording = fields.get("recording_id", "").strip()
        if not recording:
            raise ManifestError(f"{self.where()}: <Recording> without recording_id")
        text = fields.get("capturedate", "").strip()
        if not text:
            return
        try:
            self.capture_dates[recording] = parse_frgc_date(text)
        except ValueError as exc:
            raise ManifestError(f"{self.where()}: capturedate of {recording}: {exc}") from None


def _parse(path: Path, handler: _LocatedHandler) -> None:
    parser = xml.sax.make_parser()
    # BEE files are plain local XML: no external entities or DTDs are fetched.
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setFeature(xml.sax.handler.feature_namespaces, False)
    parser.setContentHandler(handler)
    try:
        parser.parse(str(path))
    except xml.sax.SAXParseException as exc:
        raise ManifestError(
            f"{path}:{exc.getLineNumber()}:{exc.getColumnNumber()}: malformed XML "
            f"({exc.getMessage()})"
        ) from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc})") from None


def read_signature_set(path: Path, condition: str = "") -> list[Presentation]:
    """All still-image presentations of one BEE signature-set file, in file order."""
    handler = _SignatureSetHandler(path, condition)
    _parse(path, handler)
    if handler.skipped_non_still:
        log.info("%s: skipped %d non-JPEG presentations", path, handler.skipped_non_still)
    if not handler.presentations:
        raise ManifestError(f"{path}: no still-image presentation in this signature set")
    return handler.presentations


def read_capture_dates(path: Path) -> dict[str, str]:
    """Recording id -> ISO capture date from ``FRGC_2.0_Metadata.xml``."""
    handler = _MetadataHandler(path)
    _parse(path, handler)
    return handler.capture_dates


def _bee_candidates(root: Path, relative: str) -> list[Path]:
    return [root / prefix / relative for prefix in BEE_PREFIXES]


def _locate(root: Path, relative: str, what: str) -> Path:
    candidates = _bee_candidates(root, relative)
    found = next((path for path in candidates if path.is_file()), None)
    if found is None:
        searched = ", ".join(str(path) for path in candidates)
        raise ManifestError(f"FRGC {what} not found; looked for {searched}")
    return found


def _resolve_image(root: Path, file_name: str) -> Path | None:
    """The image file on disk; copies differ in the case of the extension (.jpg/.JPG)."""
    path = root / file_name
    if path.is_file():
        return path
    for suffix in (path.suffix.lower(), path.suffix.upper()):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _check_choices(name: str, values: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ConfigError(
            f"frgc option {name}: unknown value(s) {unknown}; allowed: {sorted(allowed)}"
        )


def _merge(presentations: Iterable[Presentation]) -> list[Presentation]:
    """One entry per recording; a recording listed by several sets must agree."""
    by_recording: dict[str, Presentation] = {}
    by_file: dict[str, Presentation] = {}
    for item in presentations:
        earlier = by_recording.get(item.recording_id)
        if earlier is not None:
            if (earlier.file_name, earlier.subject_id) != (item.file_name, item.subject_id):
                raise ManifestError(
                    f"{item.source}: recording {item.recording_id} is "
                    f"{item.subject_id}/{item.file_name} here but "
                    f"{earlier.subject_id}/{earlier.file_name} at {earlier.source}"
                )
            if earlier.condition != item.condition and earlier.condition and item.condition:
                raise ManifestError(
                    f"{item.source}: recording {item.recording_id} is {item.condition} here "
                    f"but {earlier.condition} at {earlier.source}"
                )
            if not earlier.condition and item.condition:
                by_recording[item.recording_id] = item
            continue
        other = by_file.get(item.file_name)
        if other is not None:
            raise ManifestError(
                f"{item.source}: file {item.file_name} is recording {item.recording_id} "
                f"here but {other.recording_id} at {other.source}"
            )
        by_recording[item.recording_id] = item
        by_file[item.file_name] = item
    return list(by_recording.values())


def read_frgc(
    root: Path | str,
    *,
    experiment: str = "2.0.4",
    sets: Sequence[str] = ("target", "query"),
    signature_sets: Sequence[str] | None = None,
    controlled_only: bool = False,
    metadata: str = "auto",
    missing_images: str = "error",
) -> pd.DataFrame:
    """Read the FRGC v2.0 still images of the chosen signature sets into manifest rows.

    See the module docstring for the layout and the meaning of each column. Rows are
    sorted by image id.
    """
    _check_choices("experiment", [experiment], EXPERIMENTS)
    _check_choices("sets", sets, SET_NAMES)
    _check_choices("metadata", [metadata], METADATA_POLICIES)
    _check_choices("missing_images", [missing_images], MISSING_IMAGE_POLICIES)
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        raise ManifestError(f"FRGC root {root} is not a folder")

    set_files: list[tuple[Path, str]] = []
    if signature_sets is not None:
        for entry in signature_sets:
            path = Path(entry).expanduser()
            path = path if path.is_absolute() else root / path
            if not path.is_file():
                raise ManifestError(f"FRGC signature set {path} not found")
            set_files.append((path, condition_of_set_file(path.name)))
    else:
        for set_name in sets:
            relative = f"{SIGNATURE_SET_DIR}/{signature_set_name(experiment, set_name)}"
            path = _locate(root, relative, f"signature set {set_name!r} of {experiment}")
            set_files.append((path, CONDITION_BY_SET.get((experiment, set_name), "")))

    presentations = _merge(
        item for path, condition in set_files for item in read_signature_set(path, condition)
    )
    if controlled_only:
        presentations = [item for item in presentations if item.condition == CONTROLLED]

    capture_dates: dict[str, str] = {}
    if metadata != "ignore":
        candidates = _bee_candidates(root, METADATA_FILE)
        metadata_path = next((path for path in candidates if path.is_file()), None)
        if metadata_path is not None:
            capture_dates = read_capture_dates(metadata_path)
        elif metadata == "require":
            raise ManifestError(
                "FRGC metadata not found; looked for " + ", ".join(str(p) for p in candidates)
            )

    rows = []
    for item in presentations:
        image_path = _resolve_image(root, item.file_name)
        if image_path is None:
            message = f"{item.source}: image {item.file_name} not found under {root}"
            if missing_images == "error":
                raise ManifestError(message + " (set missing_images: skip to drop it)")
            log.warning("%s; skipped", message)
            continue
        capture_date = capture_dates.get(item.recording_id, "")
        rows.append(
            {
                "image_id": item.recording_id,
                "subject_id": item.subject_id,
                "path": str(image_path.resolve()),
                "session": capture_date,
                "capture_date": capture_date,
                "pose": "frontal",
                "expression": item.condition,
                "_collection": collection_of(item.file_name),
            }
        )
    undated = sum(1 for row in rows if not row["capture_date"])
    if undated:
        if capture_dates:
            log.warning(
                "%s: %d of %d recordings have no capture date in the metadata; sessions "
                "are the collection folders instead of capture days",
                root,
                undated,
                len(rows),
            )
        for row in rows:
            row["session"] = row["_collection"]
    return raw_listing_of(
        rows,
        f"{root}: no FRGC image left (sets: {', '.join(str(p) for p, _ in set_files)}; "
        f"controlled_only={controlled_only})",
    )
