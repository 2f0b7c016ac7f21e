"""Performance of scenarios against a baseline: tables (paper's Table 3), plots (DET,
FRR vs threshold as in Fig. 4b, score distributions), paired tests.

Reads validated score frames (see :mod:`colourfr.scores`), computes everything with the
pure functions of :mod:`colourfr.metrics` and writes files. Thresholds always come from
the baseline's valid impostor scores and are reused for every scenario.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.io.atomic import write_text
from colourfr.io.csv import write_csv
from colourfr.io.figures import save_figure
from colourfr.io.tables import write_table
from colourfr.metrics import (
    GenuineSample,
    error_curve,
    evaluate_scenario,
    mcnemar_test,
    reject_decisions,
    subject_bootstrap_many,
    thresholds_at_fmrs,
    valid_scores,
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


@dataclass(frozen=True)
class BootstrapSettings:
    replicates: int = 1000
    seed: int = 0
    confidence: float = 0.95


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
        replicates=settings.replicates,
        seed=settings.seed,
        confidence=settings.confidence,
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


# --------------------------------------------------------------------------- Table 3


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{100.0 * float(value):.3f}"


def _plain(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{float(value):.{digits}f}"


def _with_interval(point: str, low: Any, high: Any, scale: float) -> str:
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)):
        return point
    return f"{point} [{scale * float(low):.3f}, {scale * float(high):.3f}]"


#: Column of :func:`table3` holding each row's note (why a threshold is missing or weak);
#: the renderers turn it into footnotes below the table instead of a column.
NOTE_COLUMN = "Note"
#: The layout column that carries the footnote marker (the notes are about thresholds).
_MARKED_COLUMN = "Threshold"


def table3(table: pd.DataFrame, scenario_labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The paper's Table 3 layout: per FMR target, one row per scenario with d', FTA %,
    FNMR %, FRR % (three decimals; bootstrap intervals in brackets when present), and
    the row's ``note`` from :mod:`colourfr.metrics` in :data:`NOTE_COLUMN` ("" if none)."""
    labels = scenario_labels or {}
    has_ci = "fta_low" in table.columns
    # Group by FMR target (in the given order), scenarios in their order within each.
    target_order = {t: i for i, t in enumerate(pd.unique(table["fmr_target"]))}
    ordered = table.assign(_target=table["fmr_target"].map(target_order)).sort_values(
        "_target", kind="stable"
    )
    rows = []
    for record in ordered.to_dict(orient="records"):

        def cell(key: str, scale: float, formatted: str, row: dict[str, Any] = record) -> str:
            if not has_ci:
                return formatted
            return _with_interval(formatted, row.get(f"{key}_low"), row.get(f"{key}_high"), scale)

        rows.append(
            {
                "FMR target (%)": f"{100.0 * record['fmr_target']:g}",
                "Scenario": labels.get(record["file"], record["file"]),
                "d'": cell("d_prime", 1.0, _plain(record["d_prime"])),
                "FTA (%)": cell("fta", 100.0, _percent(record["fta"])),
                "FNMR (%)": cell("fnmr", 100.0, _percent(record["fnmr"])),
                "FRR (%)": cell("frr", 100.0, _percent(record["frr"])),
                "Threshold": _plain(record["threshold"], 4),
                "Achieved FMR (%)": _percent(record["fmr"]),
                NOTE_COLUMN: _note_text(record.get("note")),
            }
        )
    return pd.DataFrame(rows)


def _note_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def number_notes(notes: Sequence[str]) -> tuple[list[int | None], list[str]]:
    """Footnote numbering: each distinct non-empty note gets 1, 2, ... in order of first
    appearance; returns each row's number (None without a note) and the numbered texts.

    Rows that share a note (every scenario at one FMR target) share one footnote."""
    numbers: dict[str, int] = {}
    refs: list[int | None] = []
    for note in notes:
        if not note:
            refs.append(None)
            continue
        refs.append(numbers.setdefault(note, len(numbers) + 1))
    return refs, list(numbers)


def _split_notes(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[int | None], list[str]]:
    """The visible columns, each row's footnote number and the footnote texts."""
    if NOTE_COLUMN not in frame.columns:
        return frame, [None] * len(frame), []
    refs, notes = number_notes([str(v) for v in frame[NOTE_COLUMN]])
    return frame.drop(columns=NOTE_COLUMN), refs, notes


def _marked_index(columns: Sequence[str]) -> int:
    return list(columns).index(_MARKED_COLUMN) if _MARKED_COLUMN in columns else len(columns) - 1


def _markdown(frame: pd.DataFrame) -> str:
    """A Markdown table; row notes become ``[n]`` markers and numbered lines below it."""
    visible, refs, notes = _split_notes(frame)
    marked = _marked_index(visible.columns)
    header = "| " + " | ".join(visible.columns) + " |"
    rule = "|" + "|".join(["---"] * len(visible.columns)) + "|"
    body = []
    for row, ref in zip(visible.itertuples(index=False), refs):
        cells = [str(v) for v in row]
        if ref is not None:
            cells[marked] += f" [{ref}]"
        body.append("| " + " | ".join(cells) + " |")
    text = "\n".join([header, rule, *body]) + "\n"
    if notes:
        # One paragraph per note: consecutive Markdown lines would merge into one.
        text += "\n" + "\n\n".join(f"[{n}] {note}" for n, note in enumerate(notes, 1)) + "\n"
    return text


# One pass (str.translate), so that the braces of one replacement are not escaped again.
# Notes contain "<" and ">", which LaTeX's default OT1 encoding prints as other glyphs.
_LATEX_SPECIALS = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "%": r"\%",
        "_": r"\_",
        "&": r"\&",
        "#": r"\#",
        "$": r"\$",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
        "<": r"\textless{}",
        ">": r"\textgreater{}",
    }
)


def _latex_escape(text: str) -> str:
    return text.translate(_LATEX_SPECIALS)


def _latex(frame: pd.DataFrame, caption: str) -> str:
    """A booktabs table; row notes become superscript markers and footnotes under it."""
    visible, refs, notes = _split_notes(frame)
    marked = _marked_index(visible.columns)
    spec = "ll" + "r" * (len(visible.columns) - 2)
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{{_latex_escape(caption)}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(_latex_escape(c) for c in visible.columns) + r" \\",
        r"\midrule",
    ]
    previous_target = None
    for row, ref in zip(visible.itertuples(index=False), refs):
        if previous_target is not None and row[0] != previous_target:
            lines.append(r"\midrule")
        previous_target = row[0]
        cells = [_latex_escape(str(v)) for v in row]
        if ref is not None:
            cells[marked] += rf"\textsuperscript{{{ref}}}"  # after escaping: real markup
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if notes:
        lines.append(r"\par\smallskip\footnotesize")
        for number, note in enumerate(notes, 1):
            lines.append(rf"\textsuperscript{{{number}}}~{_latex_escape(note)}\par")
    lines += [r"\end{table}"]
    return "\n".join(lines) + "\n"


def format_table(
    table: pd.DataFrame, fmt: str, scenario_labels: Mapping[str, str] | None = None
) -> str:
    """Render results as ``md`` or ``tex`` (Table 3 layout) or ``csv`` (all fields)."""
    if fmt == "csv":
        extra = [c for c in (*CI_FIELDS, *MCNEMAR_FIELDS) if c in table.columns]
        columns = [*RESULT_FIELDS, "note", *extra]
        return table[columns].to_csv(index=False)
    layout = table3(table, scenario_labels)
    if fmt == "md":
        return _markdown(layout)
    if fmt == "tex":
        return _latex(
            layout,
            "Verification performance per scenario (thresholds from the baseline's impostors).",
        )
    raise ValueError(f"unknown table format {fmt!r}")


def write_performance_tables(
    table: pd.DataFrame,
    csv_path: str | Path,
    md_path: str | Path,
    tex_path: str | Path,
    scenario_labels: Mapping[str, str] | None = None,
) -> None:
    extra = [c for c in (*CI_FIELDS, *MCNEMAR_FIELDS) if c in table.columns]
    write_table(
        table[[*RESULT_FIELDS, "note", *extra]],
        csv=csv_path,
        md=md_path,
        tex=tex_path,
        markdown_text=format_table(table, "md", scenario_labels),
        latex_text=format_table(table, "tex", scenario_labels),
    )


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
            scores_a, scores_b = paired_genuine_scores(
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


# --------------------------------------------------------------------------- figures


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, png: str | Path, pdf: str | Path) -> None:
    for path in (png, pdf):
        save_figure(fig, path)


def plot_det(
    scenarios: Mapping[str, np.ndarray],
    impostor: np.ndarray,
    png: str | Path,
    pdf: str | Path,
    fmr_marks: Sequence[float] = (0.001,),
    scenario_labels: Mapping[str, str] | None = None,
    max_points: int = 2000,
) -> None:
    """DET curves (probit axes): FNMR vs FMR of each scenario's genuine scores against the
    baseline impostors; vertical lines at the FMR targets."""
    from scipy.stats import norm

    plt = _pyplot()
    labels = scenario_labels or {}
    fig, ax = plt.subplots(figsize=(5.0, 4.5))
    clip = 1e-6
    for name, genuine in scenarios.items():
        if valid_scores(genuine).size == 0:
            continue
        curve = error_curve(genuine, impostor, max_points=max_points)
        fmr = np.clip(curve.fmr, clip, 1 - clip)
        fnmr = np.clip(curve.fnmr, clip, 1 - clip)
        ax.plot(norm.ppf(fmr), norm.ppf(fnmr), label=labels.get(name, name), linewidth=1.4)
    ticks = np.array([1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5])
    ax.set_xticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    ax.set_yticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    for mark in fmr_marks:
        ax.axvline(norm.ppf(mark), color="grey", linestyle=":", linewidth=1)
    ax.set_xlim(norm.ppf(1e-5), norm.ppf(0.5))
    ax.set_ylim(norm.ppf(1e-5), norm.ppf(0.5))
    ax.set_xlabel("FMR (%)")
    ax.set_ylabel("FNMR (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    _save(fig, png, pdf)
    plt.close(fig)


def plot_frr_vs_threshold(
    scenarios: Mapping[str, np.ndarray],
    impostor: np.ndarray,
    png: str | Path,
    pdf: str | Path,
    marked_fmr: float = 0.001,
    scenario_labels: Mapping[str, str] | None = None,
    points: int = 400,
) -> None:
    """FRR (FTA included) of each scenario as the threshold varies, as in the paper's
    Fig. 4b; the baseline threshold at ``marked_fmr`` is drawn as a vertical line."""
    plt = _pyplot()
    labels = scenario_labels or {}
    all_valid = np.concatenate(
        [valid_scores(impostor), *[valid_scores(g) for g in scenarios.values()]]
    )
    grid = np.linspace(float(all_valid.min()), float(all_valid.max()), points)
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    for name, genuine in scenarios.items():
        scores = np.asarray(genuine, dtype=np.float64)
        failed = ~np.isfinite(scores)
        valid = np.sort(scores[~failed])
        fta = failed.mean() if scores.size else math.nan
        fnmr = 1.0 - np.searchsorted(valid, grid, side="left") / max(valid.size, 1)
        frr = fta + fnmr * (1.0 - fta)
        ax.plot(grid, 100.0 * frr, label=labels.get(name, name), linewidth=1.4)
    (threshold,) = thresholds_at_fmrs(impostor, [marked_fmr])
    if threshold.threshold is not None:
        ax.axvline(threshold.threshold, color="black", linestyle="--", linewidth=1)
        ax.annotate(
            f"FMR {100 * marked_fmr:g}%",
            (threshold.threshold, 95),
            rotation=90,
            ha="right",
            va="top",
            fontsize="small",
        )
    ax.set_xlabel("decision threshold (cosine distance)")
    ax.set_ylabel("FRR (%)")
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    _save(fig, png, pdf)
    plt.close(fig)


def plot_score_distributions(
    scenarios: Mapping[str, np.ndarray],
    impostor: np.ndarray,
    png: str | Path,
    pdf: str | Path,
    scenario_labels: Mapping[str, str] | None = None,
    max_impostors: int = 200_000,
    seed: int = 0,
) -> None:
    """Genuine score densities per scenario and the baseline impostor density.

    Very large impostor sets are randomly subsampled (seeded) for the density estimate."""
    import seaborn as sns

    plt = _pyplot()
    labels = scenario_labels or {}
    impostor_valid = valid_scores(impostor)
    if impostor_valid.size > max_impostors:
        impostor_valid = np.random.default_rng(seed).choice(
            impostor_valid, max_impostors, replace=False
        )
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    sns.kdeplot(
        impostor_valid,
        ax=ax,
        color="black",
        linestyle="--",
        label="impostor (baseline)",
        warn_singular=False,
    )
    for name, genuine in scenarios.items():
        valid = valid_scores(genuine)
        if valid.size > 1:
            sns.kdeplot(
                valid, ax=ax, label=f"genuine {labels.get(name, name)}", warn_singular=False
            )
    ax.set_xlabel("cosine distance")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    _save(fig, png, pdf)
    plt.close(fig)


def genuine_arrays(scenarios: Mapping[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    return {name: require_genuine(frame, name) for name, frame in scenarios.items()}


__all__ = [
    "RESULT_FIELDS",
    "BootstrapSettings",
    "ScoreFileError",
    "evaluate_frames",
    "format_table",
    "mcnemar_against",
    "mcnemar_pairs",
    "number_notes",
    "plot_det",
    "plot_frr_vs_threshold",
    "plot_score_distributions",
    "records_for_json",
    "table3",
    "write_performance_tables",
]


@dataclass(frozen=True)
class PerformanceOutputs:
    """Where :func:`write_performance_report` puts its files."""

    csv: str | Path
    md: str | Path
    tex: str | Path
    json: str | Path
    mcnemar: str | Path
    det_png: str | Path
    det_pdf: str | Path
    frr_png: str | Path
    frr_pdf: str | Path
    distributions_png: str | Path
    distributions_pdf: str | Path


def write_performance_report(
    score_files: Mapping[str, str | Path],
    baseline_id: str,
    fmr_targets: Sequence[float],
    primary_fmr: float,
    outputs: PerformanceOutputs,
    labels: Mapping[str, str] | None = None,
    bootstrap: BootstrapSettings | None = None,
    paired_tests: Sequence[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Everything for one (dataset, protocol, system): read the scenarios' score files,
    evaluate them at the baseline's thresholds, write tables, JSON, McNemar tests (of
    ``paired_tests``; default: the baseline against every other scenario) and the
    figures. Returns the results table."""
    import json

    from colourfr.scores import read_scores

    if baseline_id not in score_files:
        raise ScoreFileError(f"baseline scenario {baseline_id!r} has no score file")
    frames = {sid: read_scores(path) for sid, path in score_files.items()}
    baseline_source = str(score_files[baseline_id])
    baseline = frames[baseline_id]
    table = evaluate_frames(frames, baseline, baseline_source, fmr_targets, bootstrap)
    write_performance_tables(table, outputs.csv, outputs.md, outputs.tex, labels)
    write_text(outputs.json, json.dumps(records_for_json(table), indent=2) + "\n")
    if paired_tests is None:
        paired_tests = [(baseline_id, name) for name in frames if name != baseline_id]
    write_csv(
        mcnemar_pairs(frames, paired_tests, baseline, baseline_source, fmr_targets),
        outputs.mcnemar,
    )
    impostor = require_impostors(baseline, baseline_source)
    genuine = genuine_arrays(frames)
    plot_det(genuine, impostor, outputs.det_png, outputs.det_pdf, [primary_fmr], labels)
    plot_frr_vs_threshold(genuine, impostor, outputs.frr_png, outputs.frr_pdf, primary_fmr, labels)
    plot_score_distributions(
        genuine, impostor, outputs.distributions_png, outputs.distributions_pdf, labels
    )
    return table
