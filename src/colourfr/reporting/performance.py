"""Verification performance written for readers: the paper's Table 3 (CSV, Markdown,
LaTeX), the JSON, the McNemar table and the figures of one (dataset, protocol, system).

The numbers come from :mod:`colourfr.metrics.scenario_tables`, the figures from
:mod:`colourfr.reporting.verification_figures`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from colourfr.io import escape
from colourfr.io.atomic import write_text
from colourfr.io.csv import write_csv
from colourfr.io.tables import markdown, write_table
from colourfr.metrics.bootstrap import BootstrapSettings
from colourfr.metrics.scenario_tables import (
    CI_FIELDS,
    MCNEMAR_FIELDS,
    RESULT_FIELDS,
    evaluate_frames,
    genuine_arrays,
    mcnemar_pairs,
    records_for_json,
)
from colourfr.reporting.numbers import fixed, percent, with_interval
from colourfr.reporting.verification_figures import (
    plot_det,
    plot_frr_vs_threshold,
    plot_score_distributions,
)
from colourfr.scores import (
    ScoreFileError,
    require_impostors,
)

# --------------------------------------------------------------------------- Table 3


#: Column of :func:`table3` holding each row's note (why a threshold is missing or weak);
#: the renderers turn it into footnotes below the table instead of a column.
NOTE_COLUMN = "Note"
#: The layout column that carries the footnote marker (the notes are about thresholds).
_MARKED_COLUMN = "Threshold"


def table3(table: pd.DataFrame, scenario_labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The paper's Table 3 layout: per FMR target, one row per scenario with d', FTA %,
    FNMR %, FRR % (three decimals; bootstrap intervals in brackets when present), EER %, and
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

        def cell(key: str, scale: float, row: dict[str, Any] = record) -> str:
            low, high = (row.get(f"{key}_{end}") if has_ci else None for end in ("low", "high"))
            return with_interval(row[key], low, high, scale=scale)

        rows.append(
            {
                "FMR target (%)": f"{100.0 * record['fmr_target']:g}",
                "Scenario": labels.get(record["file"], record["file"]),
                "d'": cell("d_prime", 1.0),
                "FTA (%)": cell("fta", 100.0),
                "FNMR (%)": cell("fnmr", 100.0),
                "FRR (%)": cell("frr", 100.0),
                "EER (%)": percent(record.get("eer")),
                "Threshold": fixed(record["threshold"], 4),
                "Achieved FMR (%)": percent(record["fmr"]),
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
    header = "| " + " | ".join(escape.markdown(c) for c in visible.columns) + " |"
    rule = "|" + "|".join(["---"] * len(visible.columns)) + "|"
    body = []
    for row, ref in zip(visible.itertuples(index=False), refs):
        cells = [escape.markdown(v) for v in row]
        if ref is not None:
            cells[marked] += f" [{ref}]"
        body.append("| " + " | ".join(cells) + " |")
    text = "\n".join([header, rule, *body]) + "\n"
    if notes:
        # One paragraph per note: consecutive Markdown lines would merge into one.
        text += (
            "\n"
            + "\n\n".join(f"[{n}] {escape.markdown(note)}" for n, note in enumerate(notes, 1))
            + "\n"
        )
    return text


def _latex(frame: pd.DataFrame, caption: str) -> str:
    """A booktabs table; row notes become superscript markers and footnotes under it."""
    visible, refs, notes = _split_notes(frame)
    marked = _marked_index(visible.columns)
    spec = "ll" + "r" * (len(visible.columns) - 2)
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{{escape.latex(caption)}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(escape.latex(c) for c in visible.columns) + r" \\",
        r"\midrule",
    ]
    previous_target = None
    for row, ref in zip(visible.itertuples(index=False), refs):
        if previous_target is not None and row[0] != previous_target:
            lines.append(r"\midrule")
        previous_target = row[0]
        cells = [escape.latex(str(v)) for v in row]
        if ref is not None:
            cells[marked] += rf"\textsuperscript{{{ref}}}"  # after escaping: real markup
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if notes:
        lines.append(r"\par\smallskip\footnotesize")
        for number, note in enumerate(notes, 1):
            lines.append(rf"\textsuperscript{{{number}}}~{escape.latex(note)}\par")
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


def mcnemar_html(tests: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """The paired tests as a readable page: labels, counts of discordant pairs, p."""
    from colourfr.io.html import markdown_to_html

    shown = pd.DataFrame(
        {
            "FMR target (%)": [f"{100 * f:g}" for f in tests["fmr_target"]],
            "scenario A": [labels.get(s, s) for s in tests["scenario_a"]],
            "scenario B": [labels.get(s, s) for s in tests["scenario_b"]],
            "pairs": tests["n_pairs"],
            "rejected only by A": tests["only_a_rejects"],
            "rejected only by B": tests["only_b_rejects"],
            "p (exact McNemar)": [f"{p:.3g}" for p in tests["p_value"]],
        }
    )
    text = (
        "# McNemar tests\n\nPaired reject decisions (FTA counts as reject) on the same "
        "genuine pairs at the baseline's thresholds.\n\n" + markdown(shown)
    )
    return markdown_to_html(text, "McNemar tests")


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
    tests = mcnemar_pairs(frames, paired_tests, baseline, baseline_source, fmr_targets)
    write_csv(tests, outputs.mcnemar)
    write_text(Path(outputs.mcnemar).with_suffix(".html"), mcnemar_html(tests, labels or {}))
    impostor = require_impostors(baseline, baseline_source)
    genuine = genuine_arrays(frames)
    plot_det(genuine, impostor, outputs.det_png, outputs.det_pdf, [primary_fmr], labels)
    plot_frr_vs_threshold(genuine, impostor, outputs.frr_png, outputs.frr_pdf, primary_fmr, labels)
    plot_score_distributions(
        genuine, impostor, outputs.distributions_png, outputs.distributions_pdf, labels
    )
    return table
