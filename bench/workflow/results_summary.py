"""Markdown tables for docs/results-lfw.md, read from a finished run's results folder.

    python bench/workflow/results_summary.py results > /tmp/tables.md

Every number in the results document comes from these files (no hand copying):
Table 1 (dataset overview), Table 2 (quality statistics), Table 3 at each FMR target per
recognition system, FTA changes by colourisation, the paired McNemar tests of each
colourised scenario against its greyscale counterpart, and colour fidelity.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import yaml

from colourfr.scenarios import expand_scenarios

REPO = Path(__file__).resolve().parents[2]


def _pct(value: float, low: float | None = None, high: float | None = None) -> str:
    text = f"{100 * value:.3f}"
    if low is not None and high is not None and pd.notna(low) and pd.notna(high):
        text += f" [{100 * low:.3f}, {100 * high:.3f}]"
    return text


def table3(metrics_dir: Path, fmr: float, labels: dict[str, str]) -> str:
    table = pd.read_csv(metrics_dir / "performance.csv")
    rows = table[table["fmr_target"] == fmr]
    lines = [
        "| scenario | d' | FTA (%) | FNMR (%) | FRR (%) |",
        "|---|---|---|---|---|",
    ]
    for row in rows.itertuples():
        lines.append(
            f"| {labels.get(row.file, row.file)} | {row.d_prime:.3f} "
            f"[{row.d_prime_low:.3f}, {row.d_prime_high:.3f}] | "
            f"{_pct(row.fta, row.fta_low, row.fta_high)} | "
            f"{_pct(row.fnmr, row.fnmr_low, row.fnmr_high)} | "
            f"{_pct(row.frr, row.frr_low, row.frr_high)} |"
        )
    threshold = rows["threshold"].iloc[0]
    achieved = rows["fmr"].iloc[0]
    lines.append("")
    lines.append(
        f"Threshold (cosine distance, from s1's {int(rows['n_impostor_valid'].iloc[0]):,} valid "
        f"impostor scores): {threshold:.4f}, achieved FMR {100 * achieved:.4f} %; "
        f"{int(rows['n_genuine'].iloc[0]):,} genuine comparisons per scenario."
    )
    return "\n".join(lines)


def paired_tests(metrics_dir: Path, fmr: float, labels: dict[str, str]) -> str:
    tests = pd.read_csv(metrics_dir / "mcnemar.csv")
    tests = tests[(tests["fmr_target"] == fmr) & (tests["scenario_a"] != "s1")]
    lines = [
        "| greyscale scenario | colourised scenario | rejected only in grey | rejected only after colourisation | p (exact McNemar) |",
        "|---|---|---|---|---|",
    ]
    for row in tests.itertuples():
        lines.append(
            f"| {labels.get(row.scenario_a, row.scenario_a)} | "
            f"{labels.get(row.scenario_b, row.scenario_b)} | {row.only_a_rejects} | "
            f"{row.only_b_rejects} | {row.p_value:.2g} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--dataset", default="lfw")
    parser.add_argument("--protocol", default="paper")
    parser.add_argument(
        "--config",
        type=Path,
        default=REPO / "config" / "config.yaml",
        help="the run's config, for the scenario labels",
    )
    args = parser.parse_args()
    root = args.results / args.dataset
    tables = root / "tables"
    out: list[str] = []

    out += [
        "### Table 1: dataset",
        "",
        (tables / "dataset_overview.md").read_text().split("\n", 2)[2],
    ]
    stats = pd.read_csv(tables / "quality_statistics.csv")
    out += ["### Table 2: quality", ""]
    out.append("| estimator | variant | failed | mean | median | sd | min | max |")
    out.append("|---|---|---|---|---|---|---|---|")
    for row in stats.itertuples():
        out.append(
            f"| {row.estimator} | {row.variant} | {row.n_failed} | {row.mean:.3f} | "
            f"{row.median:.3f} | {row.sd:.3f} | {row.min:.3f} | {row.max:.3f} |"
        )
    out.append("")
    config = yaml.safe_load(args.config.read_text())
    colourisers = sorted(
        p.name.removeprefix("colourised-")
        for p in (root / "variants").glob("colourised-*")
        if p.is_dir()
    )
    labels = {i.id: i.label for i in expand_scenarios(config["scenarios"], colourisers)}
    for system_dir in sorted((root / "metrics" / args.protocol).iterdir()):
        targets = pd.read_csv(system_dir / "performance.csv")["fmr_target"].unique()
        for fmr in sorted(targets, key=lambda f: (f != 0.001, f)):
            out += [f"### Table 3: {system_dir.name}, FMR {100 * fmr:g} %", ""]
            out += [table3(system_dir, fmr, labels), ""]
        out += [f"### Paired tests, {system_dir.name}, FMR 0.1 %", ""]
        out += [paired_tests(system_dir, 0.001, labels), ""]
    effects = args.results / "effects" / "effects.md"
    if effects.is_file():
        out += ["### Effects of colourisation (paired, FMR 0.1 %)", ""]
        out += [effects.read_text().split("\n", 2)[2], ""]
    out += ["### FTA changes", "", (tables / "fta_changes.md").read_text().split("\n", 2)[2]]
    out += [
        "### Colour fidelity",
        "",
        (tables / "colour_fidelity.md").read_text().split("\n", 2)[2],
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
