"""Working copies of large images (datasets.<name>.working_resolution)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from colourfr.images import read_rgb
from colourfr.working_copy import megapixels, read_reduced, target_size, working_index


def test_target_size_keeps_aspect_and_small_images() -> None:
    assert target_size(4000, 3000, 1000) == (1000, 750)
    assert target_size(3000, 4000, 1000) == (750, 1000)
    assert target_size(800, 600, 1000) == (800, 600)
    assert target_size(5000, 1, 1000) == (1000, 1)


def big_jpeg(path: Path, size: tuple[int, int], orientation: int | None = None) -> np.ndarray:
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]]
    rgb = np.stack([xx % 256, yy % 256, (xx + yy) % 256], axis=-1).astype(np.uint8)
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, quality=95, exif=exif.tobytes())
    return rgb


def test_jpeg_is_decoded_reduced_and_close_to_a_full_decode(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    big_jpeg(path, (2400, 1600))
    reduced = read_reduced(path, 600)
    assert reduced.shape == (400, 600, 3)
    import cv2

    full = cv2.resize(read_rgb(path), (600, 400), interpolation=cv2.INTER_AREA)
    assert np.abs(reduced.astype(int) - full.astype(int)).mean() < 4.0


def test_exif_orientation_is_applied_to_the_working_copy(tmp_path: Path) -> None:
    path = tmp_path / "turned.jpg"
    big_jpeg(path, (2400, 1600), orientation=6)  # stored landscape, shown portrait
    assert read_reduced(path, 600).shape == (600, 400, 3)


def test_working_index_copies_only_large_images(tmp_path: Path) -> None:
    big, small = tmp_path / "big.jpg", tmp_path / "small.png"
    big_jpeg(big, (2000, 1000))
    Image.fromarray(np.zeros((100, 80, 3), np.uint8)).save(small)
    index = pd.DataFrame(
        {"image_id": ["a/1", "a/2", "b/1"], "path": [str(big), str(small), ""],
         "status": ["ok", "ok", "missing"], "detail": ["", "", "gone"]}
    )  # fmt: skip
    manifest = pd.DataFrame({"image_id": ["a/1", "a/2", "b/1"], "width": [2000, 80, 0],
                             "height": [1000, 100, 0]})  # fmt: skip
    out = working_index(index, manifest, tmp_path / "copies", 500)
    assert out["path"][0] == str((tmp_path / "copies" / "a" / "1.png").resolve())
    assert read_rgb(out["path"][0]).shape == (250, 500, 3)
    assert out["detail"][0] == "working copy 500x250 of 2000x1000"
    assert out["path"][1] == str(small) and out["status"][2] == "missing"
    assert working_index(index, manifest, tmp_path / "none", None)["path"].tolist() == [
        str(big), str(small), "",
    ]  # fmt: skip
    assert (tmp_path / "none").is_dir() and not any((tmp_path / "none").iterdir())
    original, working = megapixels(manifest, 500)
    assert original == (2_000_000 + 8_000) / 1e6 and working == (125_000 + 8_000) / 1e6
