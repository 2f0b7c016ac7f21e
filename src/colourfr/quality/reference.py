"""The FaceQnet repository's published LFW scores (``faceqnet_scores_lfw.txt``).

Format: a header ``img;score`` then lines ``<Name>\\<Name>_NNNN.jpg_<k>.jpg;[score]``:
the k-th face the authors' MTCNN found in an LFW image, and FaceQnet's score for its
crop in brackets (the script printed a NumPy array).
"""

from __future__ import annotations

import os
import re

import pandas as pd

from colourfr.errors import ColourfrError

_LINE = re.compile(
    r"^(?P<person>[^\\/]+)[\\/](?P<file>[^\\/]+?\.jpg)_(?P<k>\d+)\.jpg;\[\s*(?P<score>[^\]\s]+)\s*\]$"
)


class ReferenceFileError(ColourfrError):
    """The reference score file is malformed (message names file and line)."""


def read_faceqnet_reference(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Columns: person, file (``<Name>_NNNN.jpg``), face_index (k), score."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().strip()
        if header != "img;score":
            raise ReferenceFileError(f"{path}: line 1: expected header 'img;score', got {header!r}")
        for number, line in enumerate(handle, start=2):
            line = line.strip()
            if not line:
                continue
            match = _LINE.match(line)
            if match is None:
                raise ReferenceFileError(f"{path}: line {number}: cannot parse {line!r}")
            rows.append(
                {
                    "person": match["person"],
                    "file": match["file"],
                    "face_index": int(match["k"]),
                    "score": float(match["score"]),
                }
            )
    return pd.DataFrame(rows, columns=["person", "file", "face_index", "score"])
