"""Labeled Faces in the Wild (Huang et al. 2007; deep-funneled: Huang et al. 2012)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from colourfr.datasets.manifest import (
    RAW_COLUMNS,
    empty_raw_listing,
    empty_subject_issues,
    listing_row,
    with_listing_issues,
)
from colourfr.errors import ManifestError

_LFW_FILE = re.compile(r"^(?P<name>.+)_(?P<number>\d{4})\.jpg$")


def read_lfw(root: Path, images_dir: str = "images_deepfunneled") -> pd.DataFrame:
    """List ``root/<images_dir>/<Name>/<Name>_NNNN.jpg``; image id ``<Name>_NNNN``.

    A person folder without such a file is attached as a ``no_images`` listing issue
    (recorded in ``manifest_issues.csv``), as the folder reader does.
    """
    image_root = Path(root) / images_dir
    if not image_root.is_dir():
        raise ManifestError(f"LFW image folder not found: {image_root}")
    subject_dirs = sorted(p for p in image_root.iterdir() if p.is_dir())
    rows = []
    for subject_dir in subject_dirs:
        for image_path in sorted(subject_dir.iterdir()):
            match = _LFW_FILE.match(image_path.name)
            if match is None or match.group("name") != subject_dir.name:
                continue  # LFW folders hold nothing else; foreign files are ignored
            rows.append(listing_row(image_path.stem, subject_dir.name, image_path))
    listing = pd.DataFrame(rows, columns=RAW_COLUMNS) if rows else empty_raw_listing()
    issues = empty_subject_issues(subject_dirs, listing, "<Name>_NNNN.jpg file")
    return with_listing_issues(listing, issues)


def read_name_list(path: Path) -> list[str]:
    """Names from an LFW people file (``peopleDevTrain.txt``: a count, then ``Name\\tN``)."""
    lines = Path(path).read_text().split("\n")
    names: list[str] = []
    for line in lines[1:]:
        fields = line.split("\t")
        if len(fields) >= 2 and fields[0]:
            names.append(fields[0])
    return names
