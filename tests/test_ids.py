"""Ids are normalised before any use: one person's name spelt with a trailing space, in
NFD or in another case is one subject (or an error naming both spellings), never a
handful of one-image subjects dropped without a word."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.datasets.csv_list import read_csv_list
from colourfr.datasets.manifest import SubjectSelection, build_manifest, read_subject_list
from colourfr.errors import ManifestError

NAME = "Zoë Pacino"  # with a diaeresis: NFC and NFD differ


def listing(tmp_path: Path, subjects: list[str]) -> pd.DataFrame:
    rows = []
    for index, subject in enumerate(subjects):
        path = tmp_path / f"{index}.png"
        Image.fromarray(np.full((40, 40, 3), 100 + index, np.uint8)).save(path)
        rows.append({"image_id": f"img{index}", "subject_id": subject, "path": str(path)})
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp_path / "images.csv", index=False)
    return read_csv_list(tmp_path, image_list=str(tmp_path / "images.csv"))


def test_spellings_of_one_name_are_one_subject(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", NAME)
    assert nfd != NAME
    spelt = [NAME, f"{NAME} ", f" {nfd}", nfd, "Al Gore", "Al Gore\t"]
    manifest = build_manifest(listing(tmp_path, spelt), "toy", selection=SubjectSelection(2))
    assert manifest["subject_id"].value_counts().to_dict() == {NAME: 4, "Al Gore": 2}


def test_names_differing_in_case_are_refused_naming_both_or_merged(tmp_path: Path) -> None:
    frame = listing(tmp_path, ["Greenspan", "greenspan", "Greenspan"])
    with pytest.raises(ManifestError) as info:
        build_manifest(frame, "toy")
    message = str(info.value)
    assert "'Greenspan'" in message and "'greenspan'" in message and "0.png" in message
    assert "merge_case_variants" in message
    merged = build_manifest(frame, "toy", merge_case_variants=True)
    assert set(merged["subject_id"]) == {"Greenspan"} and len(merged) == 3


def test_image_ids_differing_in_case_are_refused(tmp_path: Path) -> None:
    frame = listing(tmp_path, ["a", "a"])
    frame.loc[1, "image_id"] = "IMG0"
    with pytest.raises(ManifestError, match="differ only in case"):
        build_manifest(frame, "toy")


def test_subject_lists_are_normalised_alike(tmp_path: Path) -> None:
    people = tmp_path / "people.txt"
    people.write_text(f"2\n{unicodedata.normalize('NFD', NAME)} \t3\nAl Gore\t2\n")
    assert read_subject_list([people]) == {NAME, "Al Gore"}
