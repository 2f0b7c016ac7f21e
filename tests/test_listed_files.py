"""A listed image path that is not a file (a FIFO, a link to /dev/zero, a folder) stops the
manifest with one line naming it and what it is, before anything blocks on reading it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.datasets.manifest import build_manifest
from colourfr.errors import ManifestError


def listing(paths: list[Path]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "image_id": [f"i{k}" for k in range(len(paths))],
            "subject_id": ["a"] * len(paths),
            "path": [str(p) for p in paths],
            **{
                column: [""] * len(paths)
                for column in ("session", "capture_date", "pose", "expression")
            },
        }
    )


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "folder", "link to a folder"])
def test_a_listed_path_that_is_no_file_is_named(tmp_path: Path, kind: str) -> None:
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(good)
    odd = tmp_path / "odd.png"
    if kind == "fifo":
        os.mkfifo(odd)
    elif kind == "link to /dev/zero":
        odd.symlink_to("/dev/zero")
    elif kind == "folder":
        odd.mkdir()
    else:
        (tmp_path / "dir").mkdir()
        odd.symlink_to(tmp_path / "dir")
    with pytest.raises(ManifestError) as info:
        build_manifest(listing([good, odd]), "toy")
    message = str(info.value)
    expected = {"fifo": "a FIFO", "link to /dev/zero": "a character device (a link to /dev/zero)",
                "folder": "a folder", "link to a folder": "a folder (a link to"}[kind]  # fmt: skip
    assert str(odd) in message and expected in message and "do not exist" not in message


def test_a_missing_file_still_says_so(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="gone.png: does not exist"):
        build_manifest(listing([tmp_path / "gone.png"]), "toy")
