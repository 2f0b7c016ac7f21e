"""One escape per output format: a label may hold any printable character and its numbers
stay under their own headers in Markdown, the HTML twin and LaTeX."""

from __future__ import annotations

import re

import pandas as pd

from colourfr.io import escape
from colourfr.io.html import _cells, markdown_to_html
from colourfr.io.tables import latex, markdown
from colourfr.reporting.performance import format_table
from colourfr.reporting.summary import SystemResults, build_summary

HOSTILE = r"a | b `c` **d** \e & 50 % _x_ #1 $y$ {z} ~ ^ <i>"


def html_rows(page: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.DOTALL)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL) for row in rows]


def test_markdown_cells_keep_their_columns_and_read_back_as_written() -> None:
    frame = pd.DataFrame({"label": [HOSTILE, "plain"], "value": [1.5, 2.0]})
    text = markdown(frame)
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert {len(_cells(line)) for line in lines} == {2}
    rows = html_rows(markdown_to_html(text))
    assert all(len(row) == 2 for row in rows)
    assert rows[1][0] == escape.html(HOSTILE).replace("&#x27;", "'").replace("&quot;", '"')


def test_latex_escapes_cells_header_and_caption() -> None:
    frame = pd.DataFrame({"label_1": [HOSTILE]})
    text = latex(frame, caption=r"A & B, 5 % of \input{x}")
    assert r"\caption{A \& B, 5 \% of \textbackslash{}input\{x\}}" in text
    assert r"label\_1" in text and r"a \textbar{} b" in text and r"50 \% \_x\_ \#1 \$y\$" in text
    assert "\\input" not in text.replace(r"\textbackslash{}input", "")


def test_table3_and_summary_with_a_label_holding_a_pipe() -> None:
    performance = pd.DataFrame(
        {
            "file": ["s1", "s3"],
            "fmr_target": [0.001, 0.001],
            "threshold": [0.5, 0.5],
            "n_impostor_valid": [2000, 2000],
            "n_genuine": [100, 100],
            "n_impostor": [2000, 2000],
            "n_fta": [0, 2],
            "fta": [0.0, 0.02],
            "fnmr": [0.01, 0.05],
            "frr": [0.01, 0.069],
            "fmr": [0.001, 0.001],
            "d_prime": [5.0, 4.0],
            "eer": [0.01, 0.02],
            "note": ["", "a note | with a pipe"],
        }
    )
    for rate in ("fta", "fnmr", "frr"):
        performance[f"{rate}_low"] = performance[rate] / 2
        performance[f"{rate}_high"] = performance[rate] * 2
    labels = {"s1": "original | original", "s3": "grey | grey"}
    table = format_table(performance, "md", labels)
    rows = [line for line in table.splitlines() if line.startswith("|")]
    header = len(_cells(rows[0]))
    assert all(len(_cells(row)) == header for row in rows)
    assert all(len(row) == header for row in html_rows(markdown_to_html(table)))
    no_tests = pd.DataFrame(
        columns=["scenario_a", "scenario_b", "fmr_target", "only_a_rejects", "only_b_rejects"]
        + ["p_value"]
    )
    results = SystemResults("lfw", "paper", "arc", performance, no_tests)
    summary = build_summary([results], 0.001, labels)
    table_rows = [line for line in summary.splitlines() if line.startswith("| ")]
    assert table_rows and {len(_cells(row)) for row in table_rows} == {4}
