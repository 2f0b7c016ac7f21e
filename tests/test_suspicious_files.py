"""Suspicious files in a dataset: grey content, near-duplicates within and across subjects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.datasets.suspicious import (
    REASON_DUPLICATE_ACROSS_SUBJECTS,
    REASON_GREYSCALE_CONTENT,
    REASON_NEAR_DUPLICATE,
    duplicate_impostor_comparisons,
    exclude_suspicious,
    find_suspicious,
)
from colourfr.protocol import reference_per_subject


def face_like(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(base).resize((120, 160), Image.BICUBIC))


def manifest_for(tmp_path: Path, files: dict[str, tuple[str, np.ndarray, str]]) -> pd.DataFrame:
    rows = []
    for image_id, (subject, rgb, suffix) in files.items():
        path = tmp_path / f"{image_id}{suffix}"
        Image.fromarray(rgb).save(path, quality=92)
        rows.append({"image_id": image_id, "subject_id": subject, "path": str(path),
                     "status": "ok"})  # fmt: skip
    return pd.DataFrame(rows)


def test_grey_content_and_near_duplicates_are_flagged(tmp_path: Path) -> None:
    colour = face_like(1)
    grey = np.repeat(np.asarray(Image.fromarray(face_like(2)).convert("L"))[..., None], 3, 2)
    resized_copy = np.asarray(Image.fromarray(colour).resize((90, 120), Image.LANCZOS))
    manifest = manifest_for(tmp_path, {
        "a_1": ("a", colour, ".jpg"),
        "a_2": ("a", resized_copy, ".png"),  # the same photo, smaller and re-encoded
        "a_3": ("a", face_like(3), ".jpg"),
        "b_1": ("b", grey, ".jpg"),           # grey content stored as RGB JPEG
        "b_2": ("b", face_like(4), ".jpg"),
        "c_1": ("c", colour, ".jpg"),         # the same file under another subject
        "c_2": ("c", resized_copy, ".jpg"),   # a copy within c: c's own near-duplicate
        "d_1": ("d", np.asarray(Image.fromarray(face_like(4)).resize((60, 80))), ".png"),
    })  # fmt: skip
    warnings = find_suspicious(manifest, colour_dataset=True, threads=2).set_index("image_id")
    assert warnings["status"].to_dict() == {
        "b_1": REASON_GREYSCALE_CONTENT,
        "a_2": REASON_NEAR_DUPLICATE,
        "c_1": REASON_DUPLICATE_ACROSS_SUBJECTS,
        "c_2": REASON_NEAR_DUPLICATE,
        "d_1": REASON_DUPLICATE_ACROSS_SUBJECTS,  # b_2 shrunk: the same pixels
    }
    assert warnings.loc["a_2", "detail"] == "same pixels as a_1 after shrinking"
    assert warnings["same_as"].to_dict() == {"b_1": "", "a_2": "a_1", "c_1": "a_1", "c_2": "c_1",
                                             "d_1": "b_2"}  # fmt: skip
    assert warnings.loc["c_1", "detail"] == "the same bytes as a_1 of subject a"
    assert warnings.loc["d_1", "detail"] == "the same pixels after shrinking as b_2 of subject b"
    assert "b_1" not in set(find_suspicious(manifest, colour_dataset=False)["image_id"])
    kept = exclude_suspicious(manifest, warnings.reset_index())
    assert sorted(kept["image_id"]) == ["a_1", "a_3", "b_2"]


def test_table1_counts_impostor_comparisons_between_copies(tmp_path: Path) -> None:
    photo = face_like(7)
    manifest = manifest_for(tmp_path, {
        "a_1": ("a", photo, ".jpg"), "a_2": ("a", face_like(8), ".jpg"),
        "b_1": ("b", face_like(9), ".jpg"), "b_2": ("b", photo, ".jpg"),  # a's reference
    })  # fmt: skip
    manifest = manifest.assign(session="", capture_date="", pose="", expression="")
    issues = find_suspicious(manifest, colour_dataset=False)
    protocol = reference_per_subject(manifest)  # references a_1, b_1; probes a_2, b_2
    # a_1 (a's reference) against b_2 (b's probe, the same photo): one impostor comparison.
    assert duplicate_impostor_comparisons(protocol, issues) == 1


@pytest.mark.usefixtures("lfw_root")
def test_lfw_colour_photos_are_not_flagged(lfw_root: Path) -> None:
    people = sorted(p for p in (lfw_root / "images_deepfunneled").iterdir() if p.is_dir())[:40]
    rows = [
        {"image_id": f"{p.name}/{f.stem}", "subject_id": p.name, "path": str(f), "status": "ok"}
        for p in people
        for f in sorted(p.glob("*.jpg"))
    ]
    warnings = find_suspicious(pd.DataFrame(rows), threads=2)
    # LFW holds a few genuinely black-and-white photos; colour ones must not be flagged.
    for row in warnings.itertuples(index=False):
        rgb = np.asarray(Image.open(row.path).convert("RGB")).astype(int)
        if row.status == REASON_GREYSCALE_CONTENT:
            assert np.abs(rgb[..., 0] - rgb[..., 1]).mean() < 2.0, row.path
    assert len(warnings) <= 0.05 * len(rows)
