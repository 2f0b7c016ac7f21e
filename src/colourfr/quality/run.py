"""Scoring one shard: variant index + detection records -> per-image quality table.

The per-shard table (``R/{dataset}/quality/{estimator}/{variant}/{shard}.csv``) has one
row per image of the variant index, in its order:

``image_id``
``score``      the estimator's score, NaN when the image could not be assessed;
``failure``    empty when scored, else the reason: the variant's status (the image was
               never produced), ``unreadable``-type image reasons, the recognition
               system's detection failure (``no_face`` ...), or the estimator's own
               (``no_landmarks``, ``achromatic`` ...);
then any estimator-specific columns (ISO/IEC 29794-5: each component's native value
and quality component value, and a*, b*).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from colourfr.errors import ColourfrError, ImageReadError
from colourfr.io.quality_shard import BASE_COLUMNS, read_quality_table, write_quality_table
from colourfr.io.status import STATUS_OK

__all__ = [
    "BASE_COLUMNS",
    "QualityInputError",
    "match_records",
    "read_detections",
    "read_quality_table",
    "score_shard",
    "write_quality_table",
]
from colourfr.quality.base import QualityEstimator
from colourfr.recognition.base import FaceRecord


class QualityInputError(ColourfrError):
    """Variant index and detection records do not fit together (names the files)."""


def read_detections(path: str | os.PathLike[str]) -> list[FaceRecord]:
    """FaceRecords from a recognition shard's Parquet file."""
    from colourfr.recognition.records import RECORD_COLUMNS, frame_to_records

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types
        raise QualityInputError(f"{path}: cannot read detection records ({exc})") from exc
    missing = [c for c in RECORD_COLUMNS if c not in frame.columns]
    if missing:
        raise QualityInputError(f"{path}: not a recognition records file (missing {missing})")
    return frame_to_records(frame)


def match_records(
    index: pd.DataFrame,
    records: Sequence[FaceRecord],
    index_source: str = "variant index",
    records_source: str = "detections",
) -> list[FaceRecord | None]:
    """The record of each index row (None for rows the recognition stage skipped)."""
    by_id: dict[str, FaceRecord] = {}
    for record in records:
        if record.image_id in by_id:
            raise QualityInputError(f"{records_source}: image {record.image_id!r} appears twice")
        by_id[record.image_id] = record
    unknown = sorted(set(by_id) - set(index["image_id"].astype(str)))
    if unknown:
        raise QualityInputError(
            f"{records_source}: {len(unknown)} image(s) not in {index_source}, e.g. {unknown[0]!r}"
        )
    matched: list[FaceRecord | None] = []
    for _, row in index.iterrows():
        found = by_id.get(str(row["image_id"]))
        if found is None and row["status"] == STATUS_OK:
            raise QualityInputError(
                f"{records_source}: no record for image {row['image_id']!r} of {index_source}"
            )
        matched.append(found)
    return matched


def _batches(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


def _checked(
    estimator: Any, scores: Any, reasons: Any, details: dict[str, Any], n: int
) -> tuple[np.ndarray, list[Any]]:
    """The estimator's answer for ``n`` faces, or a PluginRuntimeError naming it."""
    from colourfr.errors import PluginRuntimeError

    name = getattr(estimator, "name", type(estimator).__name__)
    scores = np.asarray(scores, dtype=float).reshape(-1)
    reasons = list(reasons)
    lengths = {"scores": len(scores), "reasons": len(reasons)}
    lengths.update(
        {f"detail {key!r}": len(np.asarray(v).reshape(-1)) for key, v in details.items()}
    )
    wrong = {what: length for what, length in lengths.items() if length != n}
    if wrong:
        found = ", ".join(f"{length} {what}" for what, length in wrong.items())
        raise PluginRuntimeError(
            f"quality estimator {name}: score() returned {found} for {n} faces"
        )
    return scores, reasons


def score_shard(
    estimator: QualityEstimator,
    index: pd.DataFrame,
    records: Sequence[FaceRecord | None],
    batch_size: int,
    reader: Callable[[str], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Score every image of a variant index; see the module docstring for columns."""
    if reader is None:
        from colourfr.images import read_rgb

        reader = read_rgb
    if len(records) != len(index):
        raise ValueError(f"{len(index)} index rows but {len(records)} records")
    n = len(index)
    scores = np.full(n, np.nan)
    failures: list[str] = [""] * n
    extra: dict[str, np.ndarray] = {}
    pending: list[int] = []
    for position, (_, row) in enumerate(index.iterrows()):
        record = records[position]
        if row["status"] != STATUS_OK:
            failures[position] = str(row["status"])
        elif record is None:  # pragma: no cover - match_records refuses this
            failures[position] = "no_record"
        elif not record.acquired:
            failures[position] = str(record.failure)
        else:
            pending.append(position)
    import logging

    from colourfr.logs import ProgressLog

    progress = ProgressLog(logging.getLogger("colourfr.quality"), len(pending), "faces")
    for batch in _batches(len(pending), max(1, int(batch_size))):
        positions = [pending[i] for i in batch]
        progress.advance(len(positions))
        images: list[np.ndarray] = []
        faces: list[FaceRecord] = []
        readable: list[int] = []
        for position in positions:
            try:
                images.append(reader(str(index.iloc[position]["path"])))
            except ImageReadError as exc:
                failures[position] = exc.reason
                continue
            faces.append(records[position])  # type: ignore[arg-type]
            readable.append(position)
        if not readable:
            continue
        details: dict[str, np.ndarray] = {}
        if hasattr(estimator, "score_details"):
            batch_scores, reasons, details = estimator.score_details(images, faces)  # type: ignore[attr-defined]
        else:
            batch_scores, reasons = estimator.score(images, faces)
        batch_scores, reasons = _checked(estimator, batch_scores, reasons, details, len(readable))
        scores[readable] = batch_scores
        for position, reason in zip(readable, reasons):
            if reason:
                failures[position] = reason
        for name, values in details.items():
            extra.setdefault(name, np.full(n, np.nan))[readable] = values
    table = pd.DataFrame(
        {"image_id": index["image_id"].astype(str).to_numpy(), "score": scores, "failure": failures}
    )
    for name, values in extra.items():
        table[name] = values
    return table
