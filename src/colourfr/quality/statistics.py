"""Summary statistics of quality scores (the paper's Table 2) and per-shard tables.

Table 2 of Drozdowski et al. (2020) reports, per image variant and quality estimator,
the mean, median, standard deviation, minimum and maximum of the scores. Images whose
score is NaN (no face, not assessable) are counted (``n_failed``) but not summarised.
The standard deviation is the sample one (``ddof=1``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from colourfr.errors import ColourfrError

STAT_COLUMNS: tuple[str, ...] = ("mean", "median", "sd", "min", "max")
TABLE_COLUMNS: tuple[str, ...] = ("estimator", "variant", "n", "n_failed", *STAT_COLUMNS)


class QualityTableError(ColourfrError):
    """A quality table is malformed (message names the file and the problem)."""


def summarise(values: np.ndarray) -> dict[str, float]:
    """Mean, median, sample sd, min and max of the finite values (NaN when none)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {name: float("nan") for name in STAT_COLUMNS}
    return {
        "mean": float(finite.mean()),
        "median": float(np.median(finite)),
        "sd": float(finite.std(ddof=1)) if finite.size > 1 else float("nan"),
        "min": float(finite.min()),
        "max": float(finite.max()),
    }


def quality_statistics(
    scores: pd.DataFrame,
    estimator_order: list[str] | None = None,
    variant_order: list[str] | None = None,
) -> pd.DataFrame:
    """Table 2 from a long frame with columns ``estimator, variant, score``."""
    missing = {"estimator", "variant", "score"} - set(scores.columns)
    if missing:
        raise QualityTableError(f"quality scores lack columns {sorted(missing)}")
    estimators = estimator_order or list(dict.fromkeys(scores["estimator"]))
    variants = variant_order or list(dict.fromkeys(scores["variant"]))
    rows = []
    for estimator in estimators:
        for variant in variants:
            values = scores.loc[
                (scores["estimator"] == estimator) & (scores["variant"] == variant), "score"
            ].to_numpy(dtype=np.float64)
            if values.size == 0:
                continue
            rows.append(
                {
                    "estimator": estimator,
                    "variant": variant,
                    "n": int(values.size),
                    "n_failed": int(np.count_nonzero(~np.isfinite(values))),
                    **summarise(values),
                }
            )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def read_shards(paths: list[str]) -> pd.DataFrame:
    """The per-shard quality tables of one (estimator, variant), concatenated."""
    from colourfr.quality.run import read_quality_table

    frames = [read_quality_table(path) for path in paths]
    if not frames:
        raise QualityTableError("no quality tables given")
    return pd.concat(frames, ignore_index=True)


def measures_of(table: pd.DataFrame, estimator: str) -> dict[str, np.ndarray]:
    """Measure name -> scores. A table with ISO/IEC 29794-5 component columns
    (``<component>_quality``) gives one measure per component, named
    ``<estimator>:<component>``; any other table gives its ``score`` column."""
    components = [c for c in table.columns if c.endswith("_quality")]
    if components:
        return {
            f"{estimator}:{c.removesuffix('_quality')}": table[c].to_numpy(dtype=np.float64)
            for c in components
        }
    return {estimator: table["score"].to_numpy(dtype=np.float64)}


def long_scores(tables: dict[str, dict[str, list[str]]]) -> pd.DataFrame:
    """Long frame ``estimator, variant, score`` from estimator -> variant -> shard files."""
    frames = []
    for estimator, by_variant in tables.items():
        for variant, paths in by_variant.items():
            for measure, values in measures_of(read_shards(list(paths)), estimator).items():
                frames.append(
                    pd.DataFrame({"estimator": measure, "variant": variant, "score": values})
                )
    if not frames:
        raise QualityTableError("no quality tables given")
    return pd.concat(frames, ignore_index=True)


def scores_by_variant(tables: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """Variant -> the ``score`` column of all its shards."""
    return {
        variant: read_shards(list(paths))["score"].to_numpy(dtype=np.float64)
        for variant, paths in tables.items()
    }


def score_lookup(paths: list[str]) -> pd.Series:
    """image_id -> score over the given shards (an id twice is an error)."""
    table = read_shards(list(paths))
    duplicated = table["image_id"][table["image_id"].duplicated()]
    if not duplicated.empty:
        raise QualityTableError(f"image {duplicated.iloc[0]!r} appears in more than one shard")
    return pd.Series(table["score"].to_numpy(dtype=np.float64), index=table["image_id"].astype(str))


def empirical_cdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted finite values and the fraction of values <= each of them."""
    finite = np.sort(np.asarray(values, dtype=np.float64)[np.isfinite(values)])
    if finite.size == 0:
        return finite, finite
    return finite, np.arange(1, finite.size + 1) / finite.size
