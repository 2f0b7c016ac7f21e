"""The subject-disjoint LFW training split and its data hash (no torch here).

Split: LFW's own "View 1" development split. ``peopleDevTrain.txt`` lists 4,038 people
(9,525 images) and ``peopleDevTest.txt`` 1,711 other people; the two sets are disjoint
by construction (LFW README, "View 1"). colourfr trains its colouriser only on
DevTrain people, and evaluation excludes those people wherever a trained colouriser
(or an exemplar taken from that split) is enabled, so no evaluation subject is ever
seen in training.

File format of ``people*.txt``: first line = number of people, then ``<Name>\\t<count>``;
images are ``images_deepfunneled/<Name>/<Name>_<NNNN>.jpg`` with NNNN = 1..count.

Data hash: sha256 over, for each image in sorted relative-path order, the UTF-8
relative path (POSIX separators), a NUL byte, the sha256 of the file bytes, and a
newline. Renaming, adding, removing or altering any training image changes it; the
location of the LFW root does not.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from colourfr.errors import ColourfrError

TRAIN_SPLIT_FILE = "peopleDevTrain.txt"
IMAGE_DIR_CANDIDATES = ("images_deepfunneled", "lfw-deepfunneled", "lfw_funneled", "lfw")


class TrainingDataError(ColourfrError):
    """The training split or its images are missing or malformed (message names the file)."""


@dataclass(frozen=True)
class SplitPerson:
    name: str
    n_images: int


def parse_people_file(path: str | os.PathLike[str]) -> list[SplitPerson]:
    """Parse an LFW ``people*.txt`` file (single split: count line, then name/count rows)."""
    path = Path(path)
    if not path.is_file():
        raise TrainingDataError(f"{path}: LFW split file not found")
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise TrainingDataError(f"{path}: empty split file")
    try:
        declared = int(lines[0])
    except ValueError:
        raise TrainingDataError(f"{path}: first line must be the number of people") from None
    people: list[SplitPerson] = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit() or int(fields[1]) < 1:
            raise TrainingDataError(f"{path}:{number}: expected '<Name> <count>', got {line!r}")
        people.append(SplitPerson(fields[0], int(fields[1])))
    if declared != len(people):
        raise TrainingDataError(f"{path}: declares {declared} people but lists {len(people)}")
    return people


def image_directory(lfw_root: str | os.PathLike[str]) -> Path:
    root = Path(lfw_root)
    for candidate in IMAGE_DIR_CANDIDATES:
        if (root / candidate).is_dir():
            return root / candidate
    raise TrainingDataError(
        f"{root}: no LFW image folder (looked for {', '.join(IMAGE_DIR_CANDIDATES)})"
    )


def split_image_paths(
    lfw_root: str | os.PathLike[str], split_file: str = TRAIN_SPLIT_FILE
) -> list[Path]:
    """All image paths of the people in ``split_file``, sorted; missing files are an error."""
    root = Path(lfw_root)
    images = image_directory(root)
    paths = [
        images / person.name / f"{person.name}_{index:04d}.jpg"
        for person in parse_people_file(root / split_file)
        for index in range(1, person.n_images + 1)
    ]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise TrainingDataError(
            f"{root / split_file}: {len(missing)} listed images are missing, e.g. {missing[0]}"
        )
    return sorted(paths)


def subject_of(path: Path) -> str:
    return path.parent.name


def select_training_images(paths: Sequence[Path], max_images: int | None, seed: int) -> list[Path]:
    """A deterministic subset: at most ``max_images`` paths chosen by a seeded hash order.

    Sorting by sha256(seed, relative name) spreads the subset over all subjects instead of
    taking the alphabetically first ones; the result is sorted again for stable hashing.
    """
    if max_images is None or max_images >= len(paths):
        return sorted(paths)

    def key(path: Path) -> str:
        return hashlib.sha256(f"{seed}:{path.parent.name}/{path.name}".encode()).hexdigest()

    return sorted(sorted(paths, key=key)[:max_images])


def data_hash(paths: Sequence[Path], root: str | os.PathLike[str]) -> str:
    """sha256 over sorted (relative path, file sha256) pairs; see the module docstring."""
    root = Path(root)
    entries = []
    for path in paths:
        relative = Path(path).resolve().relative_to(root.resolve()).as_posix()
        entries.append((relative, hashlib.sha256(Path(path).read_bytes()).hexdigest()))
    digest = hashlib.sha256()
    for relative, file_digest in sorted(entries):
        digest.update(relative.encode("utf-8") + b"\0" + file_digest.encode("ascii") + b"\n")
    return digest.hexdigest()


def pick_exemplar(paths: Sequence[Path], seed: int) -> Path:
    """Deterministic exemplar: the path with the smallest sha256(seed, relative name)."""
    if not paths:
        raise TrainingDataError("cannot pick an exemplar from an empty training split")
    return min(
        paths,
        key=lambda p: hashlib.sha256(
            f"exemplar:{seed}:{p.parent.name}/{p.name}".encode()
        ).hexdigest(),
    )
