"""Comparison scores from embedding matrices, computed in blocks.

A score is the cosine distance ``1 - cos(reference, probe)`` (a dissimilarity: smaller is
more alike). Scores are computed as one matrix product per block of references against
all probes; which pairs are kept is decided with vectorised masks, never a Python loop
over pairs. A comparison where either side failed to acquire gets ``score = NaN`` and a
``failure`` such as ``probe:no_face`` (both sides: ``reference:no_face;probe:no_face``).

Output columns: ``reference, probe, genuine, score, failure`` plus ``reference_subject``,
``probe_subject`` (for the subject-level bootstrap) and ``fold`` for pair lists. Id and
subject columns are categorical so that 10^7 rows stay compact in memory and Parquet.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from colourfr.errors import ColourfrError

DEFAULT_BLOCK_SIZE = 1024


class ComparisonError(ColourfrError):
    """Embeddings or a pair list cannot be compared (the message names the file or id)."""


@dataclass(frozen=True)
class EmbeddingSet:
    """Embeddings of one side of a protocol: row i belongs to ``ids[i]``.

    ``failures[i]`` is None when acquired; otherwise the reason, and row i is ignored.
    """

    ids: NDArray[np.str_]
    subjects: NDArray[np.str_]
    embeddings: NDArray[np.float32]
    failures: NDArray[np.object_]

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        subjects: Sequence[str],
        embeddings: NDArray[np.floating],
        failures: Sequence[str | None],
        source: str = "embeddings",
    ) -> EmbeddingSet:
        ids_arr = np.asarray(ids, dtype=str)
        subjects_arr = np.asarray(subjects, dtype=str)
        failures_arr = np.array(
            # one entry per image; missing may be None, NaN or pd.NA (string dtype)
            [None if (f is None or pd.isna(f) or str(f) == "") else str(f) for f in failures],
            dtype=object,
        )
        matrix = np.asarray(embeddings, dtype=np.float32)
        if matrix.ndim != 2:
            raise ComparisonError(f"{source}: embeddings must be a 2-D matrix, got {matrix.shape}")
        n = matrix.shape[0]
        if not (ids_arr.size == subjects_arr.size == failures_arr.size == n):
            raise ComparisonError(
                f"{source}: {ids_arr.size} ids, {subjects_arr.size} subjects,"
                f" {failures_arr.size} failures but {n} embedding rows"
            )
        unique_ids, counts = np.unique(ids_arr, return_counts=True)
        if (counts > 1).any():
            raise ComparisonError(f"{source}: duplicate id {str(unique_ids[counts > 1][0])!r}")
        acquired = np.array([f is None for f in failures_arr], dtype=bool)
        finite_rows = np.isfinite(matrix).all(axis=1)
        broken = acquired & ~finite_rows
        if broken.any():
            raise ComparisonError(
                f"{source}: id {str(ids_arr[broken][0])!r} has no failure reason but a non-finite"
                " embedding"
            )
        norms = np.linalg.norm(np.where(acquired[:, None], matrix, 0.0), axis=1)
        zero = acquired & (norms == 0.0)
        if zero.any():
            raise ComparisonError(
                f"{source}: id {str(ids_arr[zero][0])!r} has an all-zero embedding"
            )
        return cls(ids_arr, subjects_arr, matrix, failures_arr)

    @property
    def acquired(self) -> NDArray[np.bool_]:
        return np.array([f is None for f in self.failures], dtype=bool)

    def unit_rows(self) -> NDArray[np.float64]:
        """L2-normalised rows in float64 (failed rows zero; their scores become NaN)."""
        matrix = np.where(self.acquired[:, None], self.embeddings, 0.0).astype(np.float64)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0.0, 1.0, norms)


def _failure_codes(
    failures: NDArray[np.object_], side: str
) -> tuple[NDArray[np.int64], list[str | None]]:
    """Per-row code into a label list whose entry 0 is None (acquired)."""
    labels: list[str | None] = [None]
    position: dict[str, int] = {}
    codes = np.zeros(failures.size, dtype=np.int64)
    for row, reason in enumerate(failures):  # one entry per image, not per pair
        if reason is not None:
            label = f"{side}:{reason}"
            codes[row] = position.setdefault(label, len(labels))
            if codes[row] == len(labels):
                labels.append(label)
    return codes, labels


def _pair_failures(
    references: EmbeddingSet,
    probes: EmbeddingSet,
    ref_index: NDArray[np.int64],
    probe_index: NDArray[np.int64],
) -> pd.Categorical:
    """'reference:x', 'probe:y' or 'reference:x;probe:y' per pair, built on the few
    distinct label combinations and gathered by integer codes (no per-pair Python)."""
    ref_codes, ref_labels = _failure_codes(references.failures, "reference")
    probe_codes, probe_labels = _failure_codes(probes.failures, "probe")
    combined: list[str] = []
    for r in ref_labels:
        for p in probe_labels:
            combined.append(";".join(x for x in (r, p) if x is not None))
    pair_codes = ref_codes[ref_index] * len(probe_labels) + probe_codes[probe_index]
    # code 0 is (None, None) -> missing (-1) in the categorical
    categories = combined[1:]
    return pd.Categorical.from_codes(pair_codes - 1, categories=pd.Index(categories, dtype=object))


def _blocks(n: int, block_size: int) -> Iterator[slice]:
    for start in range(0, n, block_size):
        yield slice(start, min(start + block_size, n))


def _frame(
    references: EmbeddingSet,
    probes: EmbeddingSet,
    ref_index: NDArray[np.int64],
    probe_index: NDArray[np.int64],
    scores: NDArray[np.float64],
    genuine: NDArray[np.bool_],
) -> pd.DataFrame:
    failure = _pair_failures(references, probes, ref_index, probe_index)
    scores = np.where(failure.codes >= 0, np.nan, scores)
    return pd.DataFrame(
        {
            "reference": pd.Categorical.from_codes(
                ref_index, categories=_categories(references.ids)
            ),
            "probe": pd.Categorical.from_codes(probe_index, categories=_categories(probes.ids)),
            "genuine": genuine,
            "score": scores,
            "failure": failure,
            "reference_subject": _gathered_categorical(references.subjects, ref_index),
            "probe_subject": _gathered_categorical(probes.subjects, probe_index),
        }
    )


def _gathered_categorical(values: NDArray[np.str_], index: NDArray[np.int64]) -> pd.Categorical:
    codes, uniques = pd.factorize(values.astype(object))
    return pd.Categorical.from_codes(codes[index], categories=pd.Index(uniques, dtype=object))


def _categories(ids: NDArray[np.str_]) -> pd.Index:
    return pd.Index(ids.astype(object))


def compare_all(
    references: EmbeddingSet,
    probes: EmbeddingSet,
    impostors: bool,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> pd.DataFrame:
    """Reference-per-subject protocol: genuine = same subject; impostors (different
    subject) only when ``impostors`` is true. A reference is never compared with itself.
    Rows are ordered by reference then probe (as in the inputs)."""
    if block_size < 1:
        raise ComparisonError(f"block_size must be >= 1, got {block_size}")
    _check_dimensions(references, probes)
    # Integer subject codes shared by both sides: "same subject" is one integer compare.
    subject_codes, _ = pd.factorize(np.concatenate([references.subjects, probes.subjects]))
    ref_subject = subject_codes[: references.ids.size]
    probe_subject = subject_codes[references.ids.size :]
    same_id = _same_id_lookup(references.ids, probes.ids)
    ref_unit = references.unit_rows()
    probe_unit_t = probes.unit_rows().T.copy()
    parts: list[
        tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_]]
    ] = []
    # Bound the block's score matrix to ~4M entries whatever the number of probes.
    rows_per_block = max(1, min(block_size, (1 << 22) // max(1, probes.ids.size)))
    for block in _blocks(references.ids.size, rows_per_block):
        genuine_mask = ref_subject[block, None] == probe_subject[None, :]
        keep = np.ones_like(genuine_mask) if impostors else genuine_mask.copy()
        if same_id is not None:
            ref_rows, probe_cols = same_id
            in_block = (ref_rows >= block.start) & (ref_rows < block.stop)
            keep[ref_rows[in_block] - block.start, probe_cols[in_block]] = False
        rows, cols = np.nonzero(keep)
        if rows.size == 0:
            continue
        # Only the kept pairs are needed; with impostors that is the full block product.
        if impostors:
            cosine = (ref_unit[block] @ probe_unit_t)[rows, cols]
        else:
            cosine = np.einsum("ij,ji->i", ref_unit[block][rows], probe_unit_t[:, cols])
        parts.append(
            (
                rows.astype(np.int64) + block.start,
                cols.astype(np.int64),
                1.0 - cosine,
                genuine_mask[rows, cols],
            )
        )
    return _assemble(references, probes, parts)


def _same_id_lookup(
    ref_ids: NDArray[np.str_], probe_ids: NDArray[np.str_]
) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
    shared, ref_pos, probe_pos = np.intersect1d(ref_ids, probe_ids, return_indices=True)
    if shared.size == 0:
        return None
    return ref_pos.astype(np.int64), probe_pos.astype(np.int64)


def _check_dimensions(references: EmbeddingSet, probes: EmbeddingSet) -> None:
    if references.embeddings.shape[1] != probes.embeddings.shape[1]:
        raise ComparisonError(
            f"reference embeddings have dimension {references.embeddings.shape[1]} but probe"
            f" embeddings {probes.embeddings.shape[1]}"
        )


def _assemble(
    references: EmbeddingSet,
    probes: EmbeddingSet,
    parts: list[
        tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_]]
    ],
) -> pd.DataFrame:
    if parts:
        ref_index = np.concatenate([p[0] for p in parts])
        probe_index = np.concatenate([p[1] for p in parts])
        scores = np.concatenate([p[2] for p in parts])
        genuine = np.concatenate([p[3] for p in parts])
    else:
        ref_index = probe_index = np.empty(0, dtype=np.int64)
        scores = np.empty(0)
        genuine = np.empty(0, dtype=bool)
    return _frame(references, probes, ref_index, probe_index, scores, genuine)


def compare_pairs(
    references: EmbeddingSet,
    probes: EmbeddingSet,
    pairs: pd.DataFrame,
    source: str = "pairs",
    block_size: int = 65536,
) -> pd.DataFrame:
    """Explicit pair list with columns ``reference, probe, genuine[, fold]`` (ids looked up
    in ``references`` and ``probes``); output keeps the pair list's order."""
    missing = [c for c in ("reference", "probe", "genuine") if c not in pairs.columns]
    if missing:
        raise ComparisonError(f"{source}: missing column(s) {', '.join(missing)}")
    _check_dimensions(references, probes)
    ref_lookup = pd.Index(references.ids)
    probe_lookup = pd.Index(probes.ids)
    ref_index = ref_lookup.get_indexer(pairs["reference"].astype(str))
    probe_index = probe_lookup.get_indexer(pairs["probe"].astype(str))
    for name, index in (("reference", ref_index), ("probe", probe_index)):
        unknown = np.flatnonzero(index < 0)
        if unknown.size:
            i = int(unknown[0])
            raise ComparisonError(
                f"{source}: line {i + 2}: {name} {pairs[name].iloc[i]!r} has no embedding"
            )
    genuine_raw = pairs["genuine"]
    if pd.api.types.is_bool_dtype(genuine_raw):
        genuine = genuine_raw.to_numpy(dtype=bool)
    else:
        text = genuine_raw.astype(str).str.strip().str.lower()
        ok = text.isin(["true", "false", "1", "0"]).to_numpy()
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise ComparisonError(
                f"{source}: line {i + 2}: genuine must be true/false, got {genuine_raw.iloc[i]!r}"
            )
        genuine = text.isin(["true", "1"]).to_numpy()
    ref_unit = references.unit_rows()
    probe_unit = probes.unit_rows()
    cosine = np.empty(len(pairs), dtype=np.float64)
    for block in _blocks(len(pairs), block_size):
        cosine[block] = np.einsum(
            "ij,ij->i", ref_unit[ref_index[block]], probe_unit[probe_index[block]]
        )
    frame = _frame(
        references,
        probes,
        ref_index.astype(np.int64),
        probe_index.astype(np.int64),
        1.0 - cosine,
        genuine,
    )
    if "fold" in pairs.columns:
        frame["fold"] = pairs["fold"].astype(str).to_numpy()
    return frame


# ------------------------------------------------------------ recognition shard loader


def load_recognition_shards(shard_stems: Sequence[str | Path]) -> tuple[pd.DataFrame, np.ndarray]:
    """Concatenate ``{stem}.parquet`` records and ``{stem}.npy`` embeddings of shards.

    Returns the records (at least ``image_id``, ``failure``) and the (N, D) float32 matrix
    with rows in the same order.
    """
    from colourfr.recognition.records import RecognitionOutputError, read_shard

    records: list[pd.DataFrame] = []
    matrices: list[np.ndarray] = []
    for stem in shard_stems:
        try:
            table, matrix = read_shard(Path(stem).with_suffix(".parquet"))
        except RecognitionOutputError as exc:
            raise ComparisonError(str(exc)) from exc
        records.append(table[["image_id", "failure"]])
        matrices.append(matrix)
    if not records:
        raise ComparisonError("no recognition shards given")
    dims = {m.shape[1] for m in matrices}
    if len(dims) > 1:
        raise ComparisonError(f"recognition shards have different embedding sizes {sorted(dims)}")
    return pd.concat(records, ignore_index=True), np.concatenate(matrices)


def embedding_set_for(
    records: pd.DataFrame,
    embeddings: np.ndarray,
    ids: Sequence[str],
    subjects: Sequence[str],
    source: str,
) -> EmbeddingSet:
    """Select the rows of ``ids`` (in that order) from loaded recognition shards."""
    index = pd.Index(records["image_id"].astype(str))
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise ComparisonError(f"{source}: image {dup!r} appears in more than one shard row")
    positions = index.get_indexer(pd.Index([str(i) for i in ids]))
    unknown = np.flatnonzero(positions < 0)
    if unknown.size:
        raise ComparisonError(
            f"{source}: image {list(ids)[int(unknown[0])]!r} has no recognition output"
            f" ({unknown.size} missing)"
        )
    failures = records["failure"].to_numpy(dtype=object)[positions]
    return EmbeddingSet.build(ids, subjects, embeddings[positions], list(failures), source=source)


def protocol_embedding_sets(
    references: pd.DataFrame,
    probes: pd.DataFrame,
    reference_shards: Sequence[str | Path],
    probe_shards: Sequence[str | Path],
    source: str = "protocol",
) -> tuple[EmbeddingSet, EmbeddingSet]:
    """The references' and the probes' embedding sets of one scenario, from the
    recognition shard stems of its reference and probe variants (loaded once when both
    sides are the same variant)."""
    ref_records, ref_matrix = load_recognition_shards(reference_shards)
    if [str(s) for s in probe_shards] == [str(s) for s in reference_shards]:
        probe_records, probe_matrix = ref_records, ref_matrix
    else:
        probe_records, probe_matrix = load_recognition_shards(probe_shards)
    reference_set, probe_set = (
        embedding_set_for(
            records,
            matrix,
            listing["image_id"].astype(str).tolist(),
            listing["subject_id"].astype(str).tolist(),
            f"{source}/{role}.csv",
        )
        for records, matrix, listing, role in (
            (ref_records, ref_matrix, references, "references"),
            (probe_records, probe_matrix, probes, "probes"),
        )
    )
    return reference_set, probe_set


def score_protocol(
    references: pd.DataFrame,
    probes: pd.DataFrame,
    pairs: pd.DataFrame | None,
    reference_shards: Sequence[str | Path],
    probe_shards: Sequence[str | Path],
    impostors: bool,
    block_size: int = DEFAULT_BLOCK_SIZE,
    source: str = "protocol",
) -> pd.DataFrame:
    """Score file rows for one scenario of a protocol.

    ``references``/``probes`` have ``image_id, subject_id``; shards are recognition output
    stems (``.parquet`` + ``.npy``) of the reference and probe variants. With ``pairs`` the
    pair list is scored as given (it defines its own impostors); otherwise all-vs-all with
    genuine = same subject and impostors only when ``impostors``.
    """
    for name, table in (("references", references), ("probes", probes)):
        missing = [c for c in ("image_id", "subject_id") if c not in table.columns]
        if missing:
            raise ComparisonError(f"{source}/{name}.csv: missing column(s) {', '.join(missing)}")
    reference_set, probe_set = protocol_embedding_sets(
        references, probes, reference_shards, probe_shards, source
    )
    if pairs is not None:
        return compare_pairs(reference_set, probe_set, pairs, source=f"{source}/pairs.csv")
    return compare_all(reference_set, probe_set, impostors=impostors, block_size=block_size)


def scenario_for(instances: Sequence[dict[str, object]], scenario_id: str) -> dict[str, object]:
    """The scenario instance with ``id == scenario_id`` (Snakemake wildcard look-up)."""
    for scenario in instances:
        if scenario["id"] == scenario_id:
            return scenario
    known = ", ".join(str(s["id"]) for s in instances)
    raise ComparisonError(f"unknown scenario {scenario_id!r}; configured scenarios: {known}")


def baseline_scenario(instances: Sequence[dict[str, object]]) -> str:
    """Id of the one scenario flagged ``baseline: true`` (its impostors set thresholds)."""
    baselines = [str(s["id"]) for s in instances if s.get("baseline")]
    if len(baselines) != 1:
        raise ComparisonError(
            f"scenarios: exactly one scenario must have 'baseline: true' (found"
            f" {len(baselines)}: {baselines}); its impostor scores set the thresholds"
        )
    return baselines[0]
