"""An error of the machine fails the job; only what belongs to the image is a failure to
acquire. A recogniser whose runtime raises for a batch, or always, and estimators that
break their contract, on hand-made plugins."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from colourfr.errors import PluginRuntimeError
from colourfr.quality.run import score_shard
from colourfr.recognition.base import AlignedEmbedder, FaceRecord

FACE = np.full((8, 8, 3), 128, np.uint8)


class Flaky(AlignedEmbedder):
    """Embeds the mean pixel; its runtime raises on the ids it is told to, or always."""

    name = "flaky"
    embedding_dim = 2

    def __init__(
        self, broken: bool = False, bad_ids: tuple[str, ...] = (), wrong_rows: bool = False
    ):
        self.broken, self.bad_ids, self.wrong_rows = broken, bad_ids, wrong_rows

    def locate(self, image: Any, record: FaceRecord) -> np.ndarray | None:
        if self.broken:
            raise RuntimeError(
                "[ONNXRuntimeError] : 9 : NOT_IMPLEMENTED : Could not find an implementation"
            )
        return np.asarray(image, np.float32) + (1000.0 if record.image_id in self.bad_ids else 0.0)

    def embed_faces(self, faces: list[np.ndarray]) -> np.ndarray:
        if any(face.max() > 500 for face in faces):
            raise RuntimeError("CUDA out of memory")  # raised for any batch holding a bad face
        rows = [[float(face.mean()), 1.0] for face in faces]
        return np.array(rows[:-1] if self.wrong_rows else rows, np.float32)


def test_a_runtime_that_never_works_fails_the_job_naming_the_system() -> None:
    with pytest.raises(
        PluginRuntimeError, match="recognition system flaky: detector .*NOT_IMPLEMENTED"
    ):
        Flaky(broken=True).process([FACE, FACE], ["a", "b"])


def test_a_batch_error_caused_by_one_face_is_that_face_alone() -> None:
    records, embeddings = Flaky(bad_ids=("b",)).process([FACE, FACE, FACE], ["a", "b", "c"])
    assert [r.failure for r in records] == [None, "extraction_failed", None]
    assert "recogniser error: RuntimeError: CUDA out of memory" in records[1].detail
    assert np.isnan(embeddings[1]).all() and np.isfinite(embeddings[[0, 2]]).all()


def test_a_recogniser_error_on_every_face_of_a_fresh_job_fails_it() -> None:
    with pytest.raises(PluginRuntimeError, match="recogniser error on every image"):
        Flaky(bad_ids=("a",)).process([FACE], ["a"])


def test_too_few_embedding_rows_is_an_error_naming_the_system() -> None:
    with pytest.raises(
        PluginRuntimeError, match=r"flaky: embed_faces returned shape \(1, 2\) for 2"
    ):
        Flaky(wrong_rows=True).process([FACE, FACE], ["a", "b"])


class ShortEstimator:
    name = "short"

    def score(self, images: list[np.ndarray], faces: list[FaceRecord]) -> tuple[np.ndarray, list]:
        return np.zeros(len(images) - 1), [None] * len(images)


def test_an_estimator_returning_too_few_scores_is_named() -> None:
    index = pd.DataFrame({"image_id": ["a", "b"], "path": ["a.png", "b.png"], "status": "ok"})
    faces = [FaceRecord(image_id=i, bbox=(0, 0, 4, 4)) for i in ("a", "b")]
    with pytest.raises(
        PluginRuntimeError, match="quality estimator short: score\\(\\) returned 1 scores for 2"
    ):
        score_shard(ShortEstimator(), index, faces, batch_size=8, reader=lambda path: FACE)
