"""Verification performance of scenarios against a baseline, as tables: one row per
(scenario, FMR target), bootstrap intervals, paired McNemar tests.

Reads validated score frames (see :mod:`colourfr.scores`), computes everything with the
pure functions of :mod:`colourfr.metrics`. Thresholds always come from the baseline's
valid impostor scores and are reused for every scenario; paired McNemar tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.metrics import (
    BootstrapSettings,
    GenuineSample,
    evaluate_scenario,
    mcnemar_test,
    reject_decisions,
    subject_bootstrap_many,
    thresholds_at_fmrs,
)
from colourfr.scores import (
    ScoreFileError,
    paired_genuine_scores,
    require_genuine,
    require_impostors,
    subjects_of,
)

#: Fields of one (file, FMR target) result, in the CLI's JSON order.
RESULT_FIELDS: tuple[str, ...] = (
    "file",
    "fmr_target",
    "threshold",
    "fmr",
    "fta",
    "fnmr",
    "frr",
    "d_prime",
    "eer",
    "n_genuine",
    "n_genuine_valid",
    "n_impostor_valid",
)
#: Added by ``colourfr metrics --mcnemar REF``: paired test of each file against REF.
MCNEMAR_FIELDS: tuple[str, ...] = (
    "mcnemar_vs",
    "mcnemar_only_vs_rejects",
    "mcnemar_only_file_rejects",
    "mcnemar_p_value",
)
CI_FIELDS: tuple[str, ...] = (
    "fta_low",
    "fta_high",
    "fnmr_low",
    "fnmr_high",
    "frr_low",
    "frr_high",
    "d_prime_low",
    "d_prime_high",
    "ci_replicates_used",
)


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def evaluate_frames(
    scenarios: Mapping[str, pd.DataFrame],
    baseline: pd.DataFrame,
    baseline_source: str,
    fmr_targets: Sequence[float],
    bootstrap: BootstrapSettings | None = None,
) -> pd.DataFrame:
    """One row per (scenario, FMR target) with :data:`RESULT_FIELDS` (``file`` = the
    scenario's name) plus ``note`` and, with ``bootstrap``, the interval columns."""
    impostor = require_impostors(baseline, baseline_source)
    genuine_by_name = {name: require_genuine(frame, name) for name, frame in scenarios.items()}
    rows: list[dict[str, Any]] = []
    for name, genuine in genuine_by_name.items():
        for point in evaluate_scenario(genuine, impostor, fmr_targets):
            row = asdict(point)
            rows.append({"file": name, **row})
    table = pd.DataFrame(rows)
    if bootstrap is not None:
        intervals = bootstrap_frames(scenarios, baseline, baseline_source, fmr_targets, bootstrap)
        table = table.merge(intervals, on=["file", "fmr_target"], how="left")
    return table


def evaluate_files_streamed(
    score_files: Sequence[str | Path],
    baseline_file: str | Path,
    fmr_targets: Sequence[float],
    batch_rows: int = 1_000_000,
    check_pairs: bool = True,
) -> pd.DataFrame:
    """:func:`evaluate_frames` for files too large for memory (10^9 impostor rows): every
    file is read in validated batches; only genuine rows are kept, the baseline's impostor
    scores go through a :class:`~colourfr.metrics.StreamingImpostorSelector` (memory
    O(max FMR x rows + batch)). Same columns; ``eer`` is None."""
    from colourfr.metrics import StreamingImpostorSelector, evaluate_scenario_streamed
    from colourfr.scores import (
        check_same_genuine_pairs,
        count_rows_upper_bound,
        iter_scores,
    )

    baseline_source = str(baseline_file)
    selector = StreamingImpostorSelector(fmr_targets, count_rows_upper_bound(baseline_file))
    genuine_parts: list[pd.DataFrame] = []
    n_impostor_rows = 0
    for batch in iter_scores(baseline_file, batch_rows):
        impostor = ~batch["genuine"].to_numpy()
        n_impostor_rows += int(impostor.sum())
        selector.update(batch["score"].to_numpy(np.float64)[impostor])
        genuine_parts.append(batch.loc[~impostor, ["reference", "probe", "genuine", "score"]])
    if n_impostor_rows == 0:
        raise ScoreFileError(
            f"{baseline_source}: baseline has no impostor rows (genuine=false); thresholds need them"
        )
    if selector.n_valid == 0:
        raise ScoreFileError(
            f"{baseline_source}: baseline has impostor rows but none has a valid score"
        )
    baseline_genuine = pd.concat(genuine_parts)
    rows: list[dict[str, Any]] = []
    for path in score_files:
        source = str(path)
        if Path(source).resolve() == Path(baseline_source).resolve():
            genuine_frame = baseline_genuine
        else:
            genuine_frame = pd.concat(
                batch.loc[batch["genuine"], ["reference", "probe", "genuine", "score"]]
                for batch in iter_scores(source, batch_rows)
            )
        if genuine_frame.empty:
            raise ScoreFileError(f"{source}: no genuine rows (genuine=true)")
        if check_pairs:
            check_same_genuine_pairs(genuine_frame, source, baseline_genuine, baseline_source)
        for point in evaluate_scenario_streamed(genuine_frame["score"].to_numpy(), selector):
            rows.append({"file": source, **asdict(point)})
    return pd.DataFrame(rows)


def bootstrap_frames(
    scenarios: Mapping[str, pd.DataFrame],
    baseline: pd.DataFrame,
    baseline_source: str,
    fmr_targets: Sequence[float],
    settings: BootstrapSettings,
) -> pd.DataFrame:
    """Subject-level bootstrap intervals (columns :data:`CI_FIELDS`) per scenario/target."""
    impostor_rows = baseline.loc[~baseline["genuine"]]
    ref_subjects, probe_subjects = subjects_of(
        impostor_rows, baseline_source, ("reference_subject", "probe_subject")
    )
    samples = {}
    for name, frame in scenarios.items():
        genuine_rows = frame.loc[frame["genuine"]]
        (probe_subject,) = subjects_of(genuine_rows, name, ("probe_subject",))
        samples[name] = GenuineSample(genuine_rows["score"].to_numpy(np.float64), probe_subject)
    results = subject_bootstrap_many(
        samples,
        impostor_rows["score"].to_numpy(np.float64),
        ref_subjects,
        probe_subjects,
        fmr_targets,
        settings,
    )
    rows = []
    for name, result in results.items():
        for target in fmr_targets:
            rows.append(
                {
                    "file": name,
                    "fmr_target": target,
                    "fta_low": result.fta.low,
                    "fta_high": result.fta.high,
                    "fnmr_low": result.fnmr[target].low,
                    "fnmr_high": result.fnmr[target].high,
                    "frr_low": result.frr[target].low,
                    "frr_high": result.frr[target].high,
                    "d_prime_low": result.d_prime.low,
                    "d_prime_high": result.d_prime.high,
                    # the fewest replicates behind any of this row's intervals: fewer
                    # than requested means some replicates had no defined value
                    "ci_replicates_used": min(
                        result.fta.replicates_used,
                        result.fnmr[target].replicates_used,
                        result.frr[target].replicates_used,
                        result.d_prime.replicates_used,
                    ),
                }
            )
    return pd.DataFrame(rows)


def records_for_json(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts; non-finite numbers (no threshold, infinite d') become null."""
    extra = [c for c in (*CI_FIELDS, *MCNEMAR_FIELDS) if c in table.columns]
    columns = [*RESULT_FIELDS, "note", *extra]
    records = []
    for row in table[columns].to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, (np.floating, np.integer)):
                value = value.item()
            if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                value = None
            if key.startswith("mcnemar_only") and isinstance(value, float):
                value = int(value)  # counts; float only because other rows are null
            clean[key] = _finite_or_none(value)
        records.append(clean)
    return records


# --------------------------------------------------------------------------- McNemar


def mcnemar_against(
    scenarios: Mapping[str, pd.DataFrame],
    reference_name: str,
    baseline: pd.DataFrame,
    baseline_source: str,
    fmr_targets: Sequence[float],
) -> pd.DataFrame:
    """McNemar test of each scenario's reject decisions against ``reference_name``'s on
    the same genuine pairs, at each baseline threshold (FTA counts as reject)."""
    pairs = [(reference_name, name) for name in scenarios if name != reference_name]
    return mcnemar_pairs(scenarios, pairs, baseline, baseline_source, fmr_targets)


def mcnemar_pairs(
    scenarios: Mapping[str, pd.DataFrame],
    pairs: Sequence[tuple[str, str]],
    baseline: pd.DataFrame,
    baseline_source: str,
    fmr_targets: Sequence[float],
) -> pd.DataFrame:
    """McNemar test for each (scenario_a, scenario_b) pair on their common genuine pairs,
    at each baseline threshold (FTA counts as reject)."""
    unknown = sorted({name for pair in pairs for name in pair} - set(scenarios))
    if unknown:
        raise ScoreFileError(f"paired tests name scenarios without score files: {unknown}")
    impostor = require_impostors(baseline, baseline_source)
    rows = []
    for threshold in thresholds_at_fmrs(impostor, fmr_targets):
        if threshold.threshold is None:
            continue
        for name_a, name_b in pairs:
            scores_a, scores_b, _ = paired_genuine_scores(
                scenarios[name_a], name_a, scenarios[name_b], name_b
            )
            result = mcnemar_test(
                reject_decisions(scores_a, threshold.threshold),
                reject_decisions(scores_b, threshold.threshold),
            )
            rows.append(
                {
                    "scenario_a": name_a,
                    "scenario_b": name_b,
                    "fmr_target": threshold.fmr_target,
                    "threshold": threshold.threshold,
                    **asdict(result),
                }
            )
    return pd.DataFrame(rows)


def add_mcnemar_columns(table: pd.DataFrame, tests: pd.DataFrame) -> pd.DataFrame:
    """Attach :func:`mcnemar_against` results to a results table (by file, FMR target);
    the reference file's own rows and targets without a threshold get nulls."""
    if tests.empty:
        return table.assign(**{c: None for c in MCNEMAR_FIELDS})
    columns = tests.rename(
        columns={
            "scenario_a": "mcnemar_vs",
            "scenario_b": "file",
            "only_a_rejects": "mcnemar_only_vs_rejects",
            "only_b_rejects": "mcnemar_only_file_rejects",
            "p_value": "mcnemar_p_value",
        }
    )[["file", "fmr_target", *MCNEMAR_FIELDS]]
    return table.merge(columns, on=["file", "fmr_target"], how="left")


def genuine_arrays(scenarios: Mapping[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    return {name: require_genuine(frame, name) for name, frame in scenarios.items()}
