"""Per-shard storage of detection records and embeddings.

One shard of one (dataset, system, variant) is stored as two files with the same stem:

``{shard}.parquet``
    one row per image, in input order: ``image_id, failure, detail, n_faces,
    chosen_face, selection_rule, det_score, bbox_x1, bbox_y1, bbox_x2, bbox_y2``, the
    five landmarks as ten columns (``left_eye_x`` ... ``mouth_right_y``; left/right as
    seen in the image, InsightFace's order) and ``extra`` (JSON text with
    system-specific notes such as a detection downscale factor);
``{shard}.npy``
    an (N, D) float32 matrix, row i the L2-normalised embedding of row i, NaN where the
    image failed (failure-to-acquire is data).

Both files are written atomically (colourfr.io.atomic): the old records file is removed
first, then the embeddings are written, then the records, which carry the SHA-256 of the
embeddings file in their Parquet metadata. A crash between the two therefore leaves the
records missing (Snakemake reruns the job), never new embeddings beside old records; the
reader checks the Parquet footer, the digest and the matrix shape against the records.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.errors import ColourfrError
from colourfr.io.atomic import atomic_path, atomic_write
from colourfr.recognition.base import FaceRecord

LANDMARK_NAMES: tuple[str, ...] = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
LANDMARK_COLUMNS: tuple[str, ...] = tuple(
    f"{name}_{axis}" for name in LANDMARK_NAMES for axis in ("x", "y")
)
BBOX_COLUMNS: tuple[str, ...] = ("bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2")
RECORD_COLUMNS: tuple[str, ...] = (
    "image_id",
    "failure",
    "detail",
    "n_faces",
    "chosen_face",
    "selection_rule",
    "det_score",
    *BBOX_COLUMNS,
    *LANDMARK_COLUMNS,
    "extra",
)


class RecognitionOutputError(ColourfrError):
    """A recognition shard on disk is missing, inconsistent or malformed."""


#: Parquet metadata key of the records file: SHA-256 of its embeddings file.
EMBEDDINGS_DIGEST_KEY = b"colourfr.embeddings_sha256"


def _sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def embeddings_path_for(parquet_path: str | os.PathLike[str]) -> Path:
    """The ``.npy`` file that belongs to a records ``.parquet`` file."""
    return Path(parquet_path).with_suffix(".npy")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def records_to_frame(records: Sequence[FaceRecord]) -> pd.DataFrame:
    """One row per record with the columns listed in :data:`RECORD_COLUMNS`."""
    rows: list[dict[str, Any]] = []
    for record in records:
        row: dict[str, Any] = {
            "image_id": str(record.image_id),
            "failure": record.failure,
            "detail": record.detail or "",
            "n_faces": int(record.n_faces),
            "chosen_face": record.chosen_face,
            "selection_rule": record.selection_rule or "",
            "det_score": float(record.det_score),
        }
        bbox = record.bbox if record.bbox is not None else (np.nan,) * 4
        row.update({name: float(value) for name, value in zip(BBOX_COLUMNS, bbox)})
        if record.landmarks is not None:
            flat = np.asarray(record.landmarks, dtype=np.float64).reshape(-1)
            if flat.size != len(LANDMARK_COLUMNS):
                raise ValueError(
                    f"{record.image_id}: landmarks must be 5 (x, y) points, got shape "
                    f"{np.shape(record.landmarks)}"
                )
        else:
            flat = np.full(len(LANDMARK_COLUMNS), np.nan)
        row.update({name: float(value) for name, value in zip(LANDMARK_COLUMNS, flat)})
        row["extra"] = json.dumps(record.extra, sort_keys=True, default=_json_default)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(RECORD_COLUMNS))
    # Explicit dtypes keep empty shards and all-failure shards readable the same way.
    frame = frame.astype(
        {
            "image_id": "string",
            "failure": "string",
            "detail": "string",
            "n_faces": "int64",
            "chosen_face": "Int64",
            "selection_rule": "string",
            "det_score": "float64",
            **{name: "float64" for name in (*BBOX_COLUMNS, *LANDMARK_COLUMNS)},
            "extra": "string",
        }
    )
    return frame


def frame_to_records(frame: pd.DataFrame) -> list[FaceRecord]:
    """Inverse of :func:`records_to_frame`."""
    records: list[FaceRecord] = []
    for row in frame.itertuples(index=False):
        values = row._asdict()
        bbox_values = [values[name] for name in BBOX_COLUMNS]
        bbox = None if any(pd.isna(v) for v in bbox_values) else tuple(map(float, bbox_values))
        landmark_values = np.array([values[name] for name in LANDMARK_COLUMNS], dtype=np.float64)
        # All NaN means no landmarks; partly NaN is a detector that marks fewer points
        # (dlib's 5-point model has no mouth corners).
        landmarks = None if np.isnan(landmark_values).all() else landmark_values.reshape(5, 2)
        failure = values["failure"]
        chosen = values["chosen_face"]
        records.append(
            FaceRecord(
                image_id=str(values["image_id"]),
                failure=None if pd.isna(failure) else str(failure),
                n_faces=int(values["n_faces"]),
                chosen_face=None if pd.isna(chosen) else int(chosen),
                selection_rule=str(values["selection_rule"]),
                det_score=float(values["det_score"]),
                bbox=bbox,  # type: ignore[arg-type]
                landmarks=landmarks,
                detail="" if pd.isna(values["detail"]) else str(values["detail"]),
                extra=json.loads(values["extra"]) if not pd.isna(values["extra"]) else {},
            )
        )
    return records


def check_consistency(records: Sequence[FaceRecord], embeddings: np.ndarray) -> None:
    """Rows must match records one to one; failed rows NaN, acquired rows finite."""
    if embeddings.ndim != 2 or embeddings.shape[0] != len(records):
        raise ValueError(
            f"embeddings shape {embeddings.shape} does not match {len(records)} records"
        )
    for index, record in enumerate(records):
        row = embeddings[index]
        if record.failure is None and not np.all(np.isfinite(row)):
            raise ValueError(f"{record.image_id}: acquired but its embedding is not finite")
        if record.failure is not None and not np.all(np.isnan(row)):
            raise ValueError(f"{record.image_id}: failed ({record.failure}) but has an embedding")


def write_shard(
    parquet_path: str | os.PathLike[str],
    records: Sequence[FaceRecord],
    embeddings: np.ndarray,
    embeddings_path: str | os.PathLike[str] | None = None,
) -> tuple[Path, Path]:
    """Write records (Parquet) and embeddings (.npy, float32) atomically."""
    parquet_path = Path(parquet_path)
    npy_path = Path(embeddings_path) if embeddings_path else embeddings_path_for(parquet_path)
    matrix = np.asarray(embeddings, dtype=np.float32)
    check_consistency(records, matrix)
    frame = records_to_frame(records)

    import pyarrow as pa
    import pyarrow.parquet as pq

    # The records mark the pair complete: gone first, written last, with the digest of
    # the embeddings they belong to.
    parquet_path.unlink(missing_ok=True)
    with atomic_write(npy_path, "wb") as handle:
        np.save(handle, matrix, allow_pickle=False)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), EMBEDDINGS_DIGEST_KEY: _sha256(npy_path).encode()}
    with atomic_path(parquet_path) as tmp:
        pq.write_table(table.replace_schema_metadata(metadata), tmp)
    return parquet_path, npy_path


def read_shard(
    parquet_path: str | os.PathLike[str],
    embeddings_path: str | os.PathLike[str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read one shard: (records DataFrame, (N, D) float32 embeddings), checked."""
    parquet_path = Path(parquet_path)
    npy_path = Path(embeddings_path) if embeddings_path else embeddings_path_for(parquet_path)
    for path in (parquet_path, npy_path):
        if not path.is_file():
            raise RecognitionOutputError(f"recognition output missing: {path}")
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(parquet_path)
        frame = table.to_pandas()
    except Exception as exc:  # pyarrow raises several unrelated types
        raise RecognitionOutputError(
            f"{parquet_path}: cannot read records ({exc}); delete it and rerun the workflow"
        ) from exc
    recorded = (table.schema.metadata or {}).get(EMBEDDINGS_DIGEST_KEY)
    if recorded is not None and recorded.decode() != _sha256(npy_path):
        raise RecognitionOutputError(
            f"{npy_path} is not the embeddings file that {parquet_path} was written with "
            "(an interrupted or foreign write); delete both and rerun the workflow"
        )
    missing = [name for name in RECORD_COLUMNS if name not in frame.columns]
    if missing:
        raise RecognitionOutputError(f"{parquet_path}: missing columns {missing}")
    try:
        embeddings = np.load(npy_path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise RecognitionOutputError(f"{npy_path}: cannot read embeddings ({exc})") from exc
    if embeddings.ndim != 2 or embeddings.shape[0] != len(frame):
        raise RecognitionOutputError(
            f"{npy_path}: embeddings shape {embeddings.shape} does not match the "
            f"{len(frame)} records in {parquet_path}"
        )
    return frame, embeddings.astype(np.float32, copy=False)


# --- Running a system over one variant shard ---------------------------------------------


def embed_index(
    system: Any,
    index: pd.DataFrame,
    batch_size: int,
    read_image: Any = None,
    base_dir: str | os.PathLike[str] | None = None,
    progress: Any = None,
) -> tuple[list[FaceRecord], np.ndarray]:
    """Run ``system`` over the images of a variant index, ``batch_size`` at a time.

    Rows whose ``status`` is not ``ok`` (the variant itself failed, e.g. the
    colouriser could not produce it) and files that cannot be decoded are recorded as
    ``unreadable`` with the reason in ``detail``; they never reach the system. Output
    rows follow the index order.
    """
    from colourfr.errors import ImageReadError
    from colourfr.io.status import FAILURE_UNREADABLE

    if read_image is None:
        from colourfr.images import read_rgb as read_image
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    base = Path(base_dir) if base_dir is not None else None
    dim = int(system.embedding_dim)
    records: list[FaceRecord] = []
    blocks: list[np.ndarray] = []
    rows = list(index.itertuples(index=False))
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        chunk_records: list[FaceRecord | None] = [None] * len(chunk)
        images: list[np.ndarray] = []
        positions: list[int] = []
        for position, row in enumerate(chunk):
            status = str(row.status).strip()
            if status != "ok":
                detail = f"variant {status}" + (f": {row.detail}" if str(row.detail) else "")
                chunk_records[position] = FaceRecord(
                    image_id=str(row.image_id), failure=FAILURE_UNREADABLE, detail=detail
                )
                continue
            path = Path(str(row.path))
            if base is not None and not path.is_absolute():
                path = base / path
            try:
                images.append(read_image(path))
                positions.append(position)
            except ImageReadError as exc:
                chunk_records[position] = FaceRecord(
                    image_id=str(row.image_id),
                    failure=FAILURE_UNREADABLE,
                    detail=exc.reason + (f": {exc.detail}" if exc.detail else ""),
                )
        block = np.full((len(chunk), dim), np.nan, dtype=np.float32)
        if images:
            found, embedded = system.process(images, [str(chunk[p].image_id) for p in positions])
            for position, record, vector in zip(positions, found, embedded):
                chunk_records[position] = record
                block[position] = vector
        records.extend(r for r in chunk_records if r is not None)
        blocks.append(block)
        if progress is not None:
            progress(start + len(chunk), len(rows))
    embeddings = np.concatenate(blocks) if blocks else np.zeros((0, dim), np.float32)
    return records, embeddings
