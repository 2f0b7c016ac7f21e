"""What came out of a run, in one page: ``results/summary.md`` and a console headline.

Per (dataset, protocol, recognition system), at the primary FMR: FTA, FNMR and FRR with
their bootstrap intervals for every scenario, and the paired (exact McNemar) tests of each
colourised scenario against its greyscale counterpart. Read from the metrics rule's
``performance.csv`` and ``mcnemar.csv``; nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from colourfr.io import escape
from colourfr.io.tables import markdown
from colourfr.reporting.numbers import percent

#: Lines between these markers in summary.md are the headline the console shows.
HEADLINE_START = "<!-- headline -->"
HEADLINE_END = "<!-- /headline -->"


@dataclass(frozen=True)
class SystemResults:
    dataset: str
    protocol: str
    system: str
    performance: pd.DataFrame  # performance.csv
    paired_tests: pd.DataFrame  # mcnemar.csv


def _at(table: pd.DataFrame, fmr: float) -> pd.DataFrame:
    return table[(table["fmr_target"] - fmr).abs() < 1e-12]


def grey_versus_colourised(tests: pd.DataFrame, baseline: str | None = None) -> pd.DataFrame:
    """The paired tests that compare a greyscale scenario with its colourised counterpart
    (every pair except the baseline's against the others)."""
    if baseline is None:
        baseline = str(tests["scenario_a"].iloc[0]) if len(tests) else ""
    return tests[tests["scenario_a"] != baseline]


def system_section(results: SystemResults, fmr: float, labels: Mapping[str, str]) -> list[str]:
    rows = _at(results.performance, fmr)
    lines = [
        f"### {results.dataset} / {results.protocol} / {results.system}",
        "",
        (
            f"At FMR {100 * fmr:g} % (threshold {rows['threshold'].iloc[0]:.4f} from the "
            f"baseline's {int(rows['n_impostor_valid'].iloc[0]):,} valid impostor scores; "
            f"{int(rows['n_genuine'].iloc[0]):,} genuine comparisons per scenario). "
            "Per cent, 95 % bootstrap intervals in brackets."
        ),
        "",
        "| scenario | FTA (%) | FNMR (%) | FRR (%) |",
        "|---|---|---|---|",
    ]
    for row in rows.itertuples():
        lines.append(
            f"| {escape.markdown(labels.get(row.file, row.file))} | "
            f"{percent(row.fta, row.fta_low, row.fta_high)}"
            f" | {percent(row.fnmr, row.fnmr_low, row.fnmr_high)}"
            f" | {percent(row.frr, row.frr_low, row.frr_high)} |"
        )
    tests = grey_versus_colourised(_at(results.paired_tests, fmr))
    if len(tests):
        lines += [
            "",
            (
                "| greyscale | colourised | rejected only in grey | rejected only colourised "
                "| p (exact McNemar) |"
            ),
            "|---|---|---|---|---|",
        ]
        for test in tests.itertuples():
            lines.append(
                f"| {escape.markdown(labels.get(test.scenario_a, test.scenario_a))} | "
                f"{escape.markdown(labels.get(test.scenario_b, test.scenario_b))} | "
                f"{test.only_a_rejects} | "
                f"{test.only_b_rejects} | {test.p_value:.3g} |"
            )
    return lines


def headline(results: SystemResults, fmr: float, labels: Mapping[str, str]) -> str:
    """One line: FRR per scenario at the primary FMR, and the grey-vs-colourised p-values."""
    rows = _at(results.performance, fmr)
    frr = ", ".join(f"{labels.get(r.file, r.file)} {percent(r.frr)} %" for r in rows.itertuples())
    tests = grey_versus_colourised(_at(results.paired_tests, fmr))
    paired = "; ".join(
        f"{labels.get(t.scenario_b, t.scenario_b)} vs grey p = {t.p_value:.3g}"
        for t in tests.itertuples()
    )
    text = (
        f"{results.dataset}/{results.protocol}/{results.system} at FMR {100 * fmr:g} %: FRR {frr}"
    )
    return text + (f" ({paired})" if paired else "")


def build_summary(
    systems: Sequence[SystemResults],
    fmr: float,
    labels: Mapping[str, str],
    effects: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The summary page. Its headline: per system, the answer (what colourisation does to
    FRR, with interval and verdict, from ``effects``), else its FRR per scenario."""
    from colourfr.reporting.effects import headline_sentences, readable_effects

    answers = headline_sentences(effects)
    lines = [
        "# Summary of the run",
        "",
        (
            "Does colourisation help face recognition? Per system, the paired effect of "
            "colourisation on FRR at the primary operating point (interval and verdict), "
            "then FRR for every scenario; full tables, figures and intervals in the report "
            "(`snakemake --report report.html`) and under each dataset's `metrics/` and "
            "`tables/`, the effects in `effects/effects.md`."
        ),
        "",
        HEADLINE_START,
        *(
            f"- {answers.get((r.dataset, r.protocol, r.system)) or headline(r, fmr, labels)}"
            for r in systems
        ),
        HEADLINE_END,
        "",
    ]
    if effects:
        lines += [
            "## Effects of colourisation",
            "",
            markdown(readable_effects(effects), numparse=False),
            "",
        ]
    for results in systems:
        lines += [*system_section(results, fmr, labels), ""]
    return "\n".join(lines)


def headline_of(summary_markdown: str) -> list[str]:
    """The headline lines of a summary.md (for the console at the end of a run)."""
    inside = summary_markdown.split(HEADLINE_START, 1)[-1].split(HEADLINE_END, 1)[0]
    return [line.removeprefix("- ") for line in inside.strip().splitlines() if line.strip()]
