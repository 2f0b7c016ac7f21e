"""Suspicious files in a dataset: grey content, near-duplicates (issue 18)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.datasets.suspicious import (
    REASON_GREYSCALE_CONTENT,
    REASON_NEAR_DUPLICATE,
    exclude_suspicious,
    find_suspicious,
)


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
        "c_1": ("c", colour, ".jpg"),         # same photo, other subject: not flagged
    })  # fmt: skip
    warnings = find_suspicious(manifest, colour_dataset=True, threads=2)
    flagged = dict(zip(warnings["image_id"], warnings["status"]))
    assert flagged == {"b_1": REASON_GREYSCALE_CONTENT, "a_2": REASON_NEAR_DUPLICATE}
    detail = warnings.loc[warnings["image_id"] == "a_2", "detail"].item()
    assert detail == "same pixels as a_1 after shrinking"
    assert "b_1" not in set(find_suspicious(manifest, colour_dataset=False)["image_id"])
    kept = exclude_suspicious(manifest, warnings)
    assert sorted(kept["image_id"]) == ["a_1", "a_3", "b_2", "c_1"]


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
