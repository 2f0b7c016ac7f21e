"""Identification searches of one scenario, from the reference and probe embeddings.

Every probe is compared with every reference of the gallery, block by block (so only a
block of the probe x reference matrix exists at a time), and reduced at once to what the
metrics need per probe (:mod:`colourfr.metrics.identification`):

* closed set (the full gallery): mated or not, the mate's rank (ties against the mate),
  the mate's score;
* open set (the gallery without the references of the withheld subjects, a seeded share
  of the subjects, the same in every scenario): whether the search is still mated, the
  mate's rank in that gallery, and the smallest score over it (the non-mated minimum).

A reference that failed to acquire is never a candidate; a probe that failed has no
candidates (rank 0, minimum inf). A reference is never compared with itself (the
protocol may list one image as both).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from colourfr.comparison import ComparisonError, EmbeddingSet
from colourfr.metrics.identification import Searches

SEARCH_COLUMNS = (
    "probe",
    "probe_subject",
    "probe_failed",
    "mated_closed",
    "rank_closed",
    "mate_score",
    "mated_open",
    "rank_open",
    "minimum_open",
)


def withheld_subjects(subjects: Sequence[str], share: float, seed: int) -> set[str]:
    """A seeded random ``floor(share * n)`` of the distinct subjects (sorted first, so the
    choice depends only on the set of subjects, never on file order)."""
    if not 0.0 <= share < 1.0:
        raise ComparisonError(f"withheld share must lie in [0, 1), got {share}")
    distinct = sorted(set(subjects))
    count = int(np.floor(share * len(distinct)))
    order = np.random.default_rng(seed).permutation(len(distinct))
    return {distinct[i] for i in order[:count]}


# Cells of the probe x reference block held at once. A block costs about 20 bytes per cell
# (the float64 scores, their open-set copy and three boolean masks): 2^23 cells ~ 170 MB,
# whatever the gallery size.
DEFAULT_BLOCK_CELLS = 2**23


def probes_per_block(gallery_size: int, block_cells: int = DEFAULT_BLOCK_CELLS) -> int:
    """How many probes one block holds so that probes x gallery stays within
    ``block_cells`` (at least one probe, however large the gallery)."""
    return max(1, block_cells // max(1, gallery_size))


def search_table(
    references: EmbeddingSet,
    probes: EmbeddingSet,
    withheld: set[str],
    block_cells: int = DEFAULT_BLOCK_CELLS,
) -> pd.DataFrame:
    """One row per probe (in the probes' order); see SEARCH_COLUMNS and the module doc.
    Probes are searched in blocks of at most ``block_cells`` probe x reference scores."""
    if references.ids.size == 0:
        raise ComparisonError("empty gallery: no reference to search")
    ref_ok = references.acquired
    ref_unit = references.unit_rows()
    open_gallery = ~np.isin(references.subjects, list(withheld)) & ref_ok
    closed_gallery = ref_ok
    subject_of_ref = {s: i for i, s in enumerate(references.subjects)}
    if len(subject_of_ref) != references.ids.size:
        raise ComparisonError("identification needs one reference per subject in the gallery")
    n = probes.ids.size
    mate_index = np.array([subject_of_ref.get(s, -1) for s in probes.subjects], dtype=np.int64)
    probe_ok = probes.acquired
    probe_unit = probes.unit_rows()
    rank_closed = np.zeros(n, dtype=np.int64)
    rank_open = np.zeros(n, dtype=np.int64)
    mate_score = np.full(n, np.nan)
    minimum_open = np.full(n, np.inf)
    same_id = references.ids[:, None]
    block_size = probes_per_block(references.ids.size, block_cells)
    for start in range(0, n, block_size):
        block = slice(start, min(start + block_size, n))
        scores = 1.0 - probe_unit[block] @ ref_unit.T  # (probes, references)
        scores[:, ~ref_ok] = np.nan
        scores[~probe_ok[block], :] = np.nan
        scores[(probes.ids[block][None, :] == same_id).T] = np.nan  # never itself
        rows = np.arange(block.stop - block.start)
        mates = mate_index[block]
        has_mate = mates >= 0
        mate = np.full(rows.size, np.nan)
        mate[has_mate] = scores[rows[has_mate], mates[has_mate]]
        mate_score[block] = mate
        non_mate = np.ones_like(scores, dtype=bool)
        non_mate[rows[has_mate], mates[has_mate]] = False
        with np.errstate(invalid="ignore"):
            against = non_mate & (scores <= mate[:, None])  # NaN compares false
        valid_mate = has_mate & np.isfinite(mate)
        rank_closed[block] = np.where(
            valid_mate, 1 + (against & closed_gallery[None, :]).sum(axis=1), 0
        )
        mate_in_open = valid_mate & open_gallery[np.where(has_mate, mates, 0)]
        rank_open[block] = np.where(
            mate_in_open, 1 + (against & open_gallery[None, :]).sum(axis=1), 0
        )
        open_scores = np.where(open_gallery[None, :] & np.isfinite(scores), scores, np.inf)
        minimum_open[block] = open_scores.min(axis=1) if open_scores.size else np.inf
    mated_open = (mate_index >= 0) & ~np.isin(probes.subjects, list(withheld))
    return pd.DataFrame(
        {
            "probe": probes.ids,
            "probe_subject": probes.subjects,
            "probe_failed": ~probe_ok,
            "mated_closed": mate_index >= 0,
            "rank_closed": rank_closed,
            "mate_score": mate_score,
            "mated_open": mated_open,
            "rank_open": rank_open,
            "minimum_open": np.where(probe_ok, minimum_open, np.inf),
        }
    )


def closed_set(table: pd.DataFrame) -> Searches:
    """The closed-set searches (full gallery) of a search table; its minima are unused."""
    return Searches(
        probes=table["probe"].to_numpy(),
        mated=table["mated_closed"].to_numpy(dtype=bool),
        rank=table["rank_closed"].to_numpy(dtype=np.int64),
        mate_score=table["mate_score"].to_numpy(dtype=np.float64),
        minimum=np.full(len(table), np.inf),
    )


def open_set(table: pd.DataFrame) -> Searches:
    """The open-set searches: the withheld subjects' probes are the non-mated ones."""
    mated = table["mated_open"].to_numpy(dtype=bool)
    return Searches(
        probes=table["probe"].to_numpy(),
        mated=mated,
        rank=np.where(mated, table["rank_open"].to_numpy(dtype=np.int64), 0),
        mate_score=np.where(mated, table["mate_score"].to_numpy(dtype=np.float64), np.nan),
        minimum=table["minimum_open"].to_numpy(dtype=np.float64),
    )
