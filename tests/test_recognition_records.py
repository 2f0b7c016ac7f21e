"""Face selection rules (hand-worked), per-shard records I/O, and the shard runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colourfr.errors import ColourfrError, ImageReadError
from colourfr.recognition.base import FaceRecord
from colourfr.recognition.records import (
    LANDMARK_COLUMNS,
    RECORD_COLUMNS,
    RecognitionOutputError,
    embed_index,
    frame_to_records,
    read_shard,
    write_shard,
)
from colourfr.recognition.selection import (
    choose_face,
    detection_scale,
    invalid_image_detail,
    too_small_detail,
)

# --- selection rules ----------------------------------------------------------------------

# Image 100 (h) x 200 (w), centre (100, 50).
#  face 0: 40x40 box centred at (30, 50): area 1600, offset^2 = 70^2 = 4900
#  face 1: 20x20 box centred at (100, 50): area 400, offset^2 = 0
#  face 2: 30x30 box centred at (160, 50): area 900, offset^2 = 60^2 = 3600
BOXES = np.array([[10, 30, 50, 70], [90, 40, 110, 60], [145, 35, 175, 65]], dtype=float)
SHAPE = (100, 200, 3)


def test_largest_picks_biggest_area() -> None:
    assert choose_face(BOXES, SHAPE, "largest") == 0


def test_most_central_picks_nearest_centre() -> None:
    assert choose_face(BOXES, SHAPE, "most_central") == 1


def test_largest_central_uses_insightface_weighting() -> None:
    # scores: 1600 - 2*4900 = -8200; 400 - 0 = 400; 900 - 2*3600 = -6300
    assert choose_face(BOXES, SHAPE, "largest_central") == 1
    # With the small central face removed, face 2 (-6300) beats face 0 (-8200) even
    # though face 0 is larger.
    assert choose_face(BOXES[[0, 2]], SHAPE, "largest_central") == 1


def test_ties_keep_detector_order_and_empty_gives_none() -> None:
    same = np.array([[0, 0, 10, 10], [50, 50, 60, 60]], dtype=float)
    assert choose_face(same, SHAPE, "largest") == 0
    assert choose_face(np.zeros((0, 4)), SHAPE, "largest") is None


def test_unknown_rule_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown face selection rule"):
        choose_face(BOXES, SHAPE, "biggest")


def test_image_guards() -> None:
    assert invalid_image_detail(np.zeros((10, 10, 3), np.uint8)) is None
    assert "uint8" in invalid_image_detail(np.zeros((10, 10, 3), np.float32))
    assert "(H, W, 3)" in invalid_image_detail(np.zeros((10, 10), np.uint8))
    assert too_small_detail(np.zeros((31, 100, 3), np.uint8)) is not None
    assert too_small_detail(np.zeros((32, 32, 3), np.uint8)) is None
    assert detection_scale((9000, 3000), 2048) == pytest.approx(2048 / 9000)
    assert detection_scale((250, 250), 2048) == 1.0


# --- records round trip ---------------------------------------------------------------


def _records() -> tuple[list[FaceRecord], np.ndarray]:
    landmarks = np.arange(10, dtype=np.float32).reshape(5, 2) + 100
    partial = landmarks.copy()
    partial[3:] = np.nan
    records = [
        FaceRecord(
            "a/a_0001",
            n_faces=2,
            chosen_face=1,
            selection_rule="largest",
            det_score=0.9,
            bbox=(1.0, 2.0, 30.0, 40.0),
            landmarks=landmarks,
            extra={"detection_scale": 0.5},
        ),
        FaceRecord("b/b_0001", failure="no_face", selection_rule="largest"),
        FaceRecord("c/c_0001", failure="unreadable", detail="truncated: image file is truncated"),
        FaceRecord(
            "d/d_0001",
            n_faces=1,
            chosen_face=0,
            selection_rule="largest",
            det_score=1.5,
            bbox=(0.0, 0.0, 9.0, 9.0),
            landmarks=partial,
        ),
    ]
    embeddings = np.full((4, 3), np.nan, np.float32)
    embeddings[0] = [0.6, 0.8, 0.0]
    embeddings[3] = [1.0, 0.0, 0.0]
    return records, embeddings


def test_records_round_trip(tmp_path: Path) -> None:
    records, embeddings = _records()
    parquet, npy = write_shard(tmp_path / "out" / "000.parquet", records, embeddings)
    assert npy == tmp_path / "out" / "000.npy"
    frame, loaded = read_shard(parquet)
    assert list(frame.columns) == list(RECORD_COLUMNS)
    assert len(LANDMARK_COLUMNS) == 10
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, embeddings)  # NaN rows compare equal here
    back = frame_to_records(frame)
    assert [r.image_id for r in back] == [r.image_id for r in records]
    assert [r.failure for r in back] == [None, "no_face", "unreadable", None]
    assert back[0].chosen_face == 1 and back[1].chosen_face is None
    assert back[0].bbox == (1.0, 2.0, 30.0, 40.0)
    np.testing.assert_allclose(back[0].landmarks, records[0].landmarks)
    assert back[0].extra == {"detection_scale": 0.5}
    assert back[1].landmarks is None
    assert np.isnan(back[3].landmarks[3:]).all() and not np.isnan(back[3].landmarks[:3]).any()
    assert back[2].detail.startswith("truncated")
    # No temporary files left behind.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["000.npy", "000.parquet"]


def test_empty_shard_round_trip(tmp_path: Path) -> None:
    write_shard(tmp_path / "e.parquet", [], np.zeros((0, 8), np.float32))
    frame, loaded = read_shard(tmp_path / "e.parquet")
    assert len(frame) == 0 and loaded.shape == (0, 8)


def test_inconsistent_embeddings_are_refused(tmp_path: Path) -> None:
    records, embeddings = _records()
    bad = embeddings.copy()
    bad[1] = 0.0  # a failed image must not carry an embedding
    with pytest.raises(ValueError, match="b/b_0001"):
        write_shard(tmp_path / "x.parquet", records, bad)
    with pytest.raises(ValueError, match="does not match"):
        write_shard(tmp_path / "x.parquet", records, embeddings[:3])
    assert not (tmp_path / "x.parquet").exists()


def test_reader_names_the_broken_file(tmp_path: Path) -> None:
    records, embeddings = _records()
    parquet, npy = write_shard(tmp_path / "s.parquet", records, embeddings)
    np.save(npy, embeddings[:2])
    with pytest.raises(RecognitionOutputError, match="s.npy"):
        read_shard(parquet)
    npy.unlink()
    with pytest.raises(RecognitionOutputError, match="missing"):
        read_shard(parquet)
    assert issubclass(RecognitionOutputError, ColourfrError)


# --- running a system over a variant index -----------------------------------------------


class _MeanColourSystem:
    """Stand-in system: 'detects' a face in any non-uniform image; embedding = mean RGB."""

    name = "mean-colour"
    embedding_dim = 3

    def __init__(self) -> None:
        self.calls: list[int] = []

    def process(self, images, image_ids):  # type: ignore[no-untyped-def]
        self.calls.append(len(images))
        records, rows = [], np.full((len(images), 3), np.nan, np.float32)
        for i, (image, image_id) in enumerate(zip(images, image_ids)):
            if image.std() == 0:
                records.append(FaceRecord(image_id, failure="no_face"))
                continue
            mean = image.reshape(-1, 3).mean(axis=0)
            rows[i] = mean / np.linalg.norm(mean)
            records.append(FaceRecord(image_id, n_faces=1, chosen_face=0))
        return records, rows


def test_embed_index_records_variant_and_decode_failures(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    store = {
        "good1": rng.integers(0, 255, (40, 40, 3), dtype=np.uint8),
        "flat": np.full((40, 40, 3), 7, np.uint8),
        "good2": rng.integers(0, 255, (40, 40, 3), dtype=np.uint8),
    }

    def read(path: Path) -> np.ndarray:
        if path.name == "broken.jpg":
            raise ImageReadError(str(path), "truncated", "image file is truncated")
        return store[path.stem]

    index = pd.DataFrame(
        {
            "image_id": ["i1", "i2", "i3", "i4", "i5"],
            "path": ["good1.png", "broken.jpg", "", "flat.png", "good2.png"],
            "status": ["ok", "ok", "colourise_failed", "ok", "ok"],
            "detail": ["", "", "CUDA out of memory", "", ""],
        }
    )
    system = _MeanColourSystem()
    records, embeddings = embed_index(
        system, index, batch_size=2, read_image=read, base_dir=tmp_path
    )
    assert [r.image_id for r in records] == ["i1", "i2", "i3", "i4", "i5"]
    assert [r.failure for r in records] == [None, "unreadable", "unreadable", "no_face", None]
    assert records[1].detail == "truncated: image file is truncated"
    assert records[2].detail == "variant colourise_failed: CUDA out of memory"
    assert system.calls == [1, 1, 1]  # unreadable rows never reach the system
    assert np.isfinite(embeddings[[0, 4]]).all() and np.isnan(embeddings[[1, 2, 3]]).all()
    mean = store["good2"].reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(embeddings[4], mean / np.linalg.norm(mean), rtol=1e-6)


def test_read_variant_index_checks_columns(tmp_path: Path) -> None:
    from colourfr.io.csv import TableFileError
    from colourfr.io.variant_index import read_index

    good = tmp_path / "000.csv"
    pd.DataFrame({"image_id": ["a"], "path": ["a.png"], "status": ["ok"], "detail": [""]}).to_csv(
        good, index=False
    )
    assert read_index(good)["detail"].tolist() == [""]
    bad = tmp_path / "bad.csv"
    bad.write_text("image_id,path\na,a.png\n")
    with pytest.raises(TableFileError, match="bad.csv.*status"):
        read_index(bad)
