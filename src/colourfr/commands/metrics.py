"""``colourfr metrics``: ISO/IEC 19795-1 figures for your own score files.

Thresholds come from the baseline file's valid impostor scores; every SCORES file is
evaluated at those thresholds. Output on stdout (json, csv, md or tex).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from colourfr.errors import ColourfrError


class MetricsArgumentError(ColourfrError):
    """A command-line value is invalid."""


def _fmr(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"FMR target must lie in (0, 1), got {text}")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "metrics",
        help="FTA, FNMR, FRR, d', EER of score files at thresholds from a baseline",
        description=(
            "Score files (CSV or Parquet) have columns reference, probe, genuine, score"
            " [, failure]; score is a dissimilarity (accept iff score < threshold), empty/NaN"
            " when a side failed to acquire. For each FMR target the threshold is s_(k+1) of"
            " the baseline's N sorted valid impostor scores, k = floor(FMR*N)."
        ),
    )
    parser.add_argument(
        "scores",
        nargs="+",
        metavar="SCORES",
        help="score files to evaluate: this project's CSV/Parquet, bob's 4- or 5-column text"
        " files (.txt, .4col, .5col, .scores) or pyeer:GENUINE_FILE,IMPOSTOR_FILE",
    )
    parser.add_argument(
        "--baseline",
        required=True,
        metavar="BASELINE",
        help="score file whose impostor scores set the thresholds",
    )
    parser.add_argument(
        "--fmr",
        type=_fmr,
        action="append",
        metavar="FMR",
        help="FMR target as a fraction (repeatable; default 0.001)",
    )
    parser.add_argument("--format", choices=("json", "csv", "md", "tex"), default="json")
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="name a score file (as given) in tables and plots (repeatable)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="DIR",
        help="also write DET, FRR-versus-threshold and score-distribution figures (PNG and"
        " PDF) to DIR",
    )
    parser.add_argument(
        "--score-kind",
        choices=("similarity", "dissimilarity"),
        help="how to read the scores: bob and pyeer files default to similarity (read as"
        " their negation, so thresholds are negated similarities), this project's files to"
        " dissimilarity",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="add subject-level bootstrap intervals with N replicates (needs"
        " reference_subject/probe_subject columns)",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument(
        "--confidence", type=float, default=0.95, help="bootstrap interval level (default 0.95)"
    )
    parser.add_argument(
        "--mcnemar",
        metavar="REF",
        help="add McNemar's test of each file's reject decisions against REF's on the same"
        " genuine pairs (FTA counts as reject): mcnemar_* fields",
    )
    parser.add_argument(
        "--stream",
        action="store_true",
        help="read files in batches and select thresholds in bounded memory (for 10^9"
        " impostor rows); EER is then not computed",
    )
    parser.add_argument(
        "--batch-rows",
        type=int,
        default=1_000_000,
        metavar="N",
        help="rows per batch with --stream (default 1,000,000)",
    )
    parser.add_argument(
        "--unpaired",
        action="store_true",
        help="allow files whose genuine pairs differ from the baseline's",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from colourfr.metrics.bootstrap import BootstrapSettings
    from colourfr.metrics.scenario_tables import (
        add_mcnemar_columns,
        evaluate_files_streamed,
        evaluate_frames,
        mcnemar_against,
    )

    fmr_targets: list[float] = args.fmr or [0.001]
    if args.bootstrap < 0:
        raise MetricsArgumentError(f"--bootstrap must be >= 0, got {args.bootstrap}")
    baseline_path = str(args.baseline)
    if args.stream:
        if args.bootstrap or args.mcnemar:
            raise MetricsArgumentError(
                "--bootstrap and --mcnemar need the scores in memory; drop --stream"
            )
        if args.batch_rows < 1:
            raise MetricsArgumentError(f"--batch-rows must be >= 1, got {args.batch_rows}")
        table = evaluate_files_streamed(
            [str(p) for p in args.scores],
            baseline_path,
            fmr_targets,
            args.batch_rows,
            check_pairs=not args.unpaired,
        )
        _emit(table, args.format)
        return 0
    from colourfr.foreign_scores import read_any
    from colourfr.scores import check_same_genuine_pairs

    labels = _labels(args.label, [*map(str, args.scores), baseline_path])
    _, baseline = read_any(baseline_path, args.score_kind)
    scenarios = {}
    for path in args.scores:
        source = str(path)
        frame = baseline if source == baseline_path else read_any(source, args.score_kind)[1]
        if not args.unpaired:
            check_same_genuine_pairs(frame, source, baseline, baseline_path)
        scenarios[labels.get(source, source)] = frame
    settings = (
        BootstrapSettings(args.bootstrap, args.seed, args.confidence) if args.bootstrap else None
    )
    table = evaluate_frames(scenarios, baseline, baseline_path, fmr_targets, settings)
    if args.mcnemar:
        reference = labels.get(str(args.mcnemar), str(args.mcnemar))
        paired = dict(scenarios)
        if reference not in paired:
            paired[reference] = read_any(str(args.mcnemar), args.score_kind)[1]
        tests = mcnemar_against(paired, reference, baseline, baseline_path, fmr_targets)
        table = add_mcnemar_columns(table, tests)
    if args.plot is not None:
        _plot(scenarios, baseline, baseline_path, fmr_targets, args.plot)
    _emit(table, args.format)
    return 0


def _labels(pairs: list[str], files: list[str]) -> dict[str, str]:
    """``--label NAME=FILE`` values -> {FILE: NAME}; FILE must be one of the inputs."""
    labels: dict[str, str] = {}
    for pair in pairs:
        name, sep, file = pair.partition("=")
        if not sep or not name or not file:
            raise MetricsArgumentError(f"--label {pair!r}: expected NAME=FILE")
        if file not in files:
            raise MetricsArgumentError(
                f"--label {pair!r}: {file} is not one of the score files given"
            )
        if name in labels.values():
            raise MetricsArgumentError(f"--label {pair!r}: the name {name!r} is used twice")
        labels[file] = name
    return labels


def _plot(
    scenarios: dict[str, Any],
    baseline: Any,
    baseline_path: str,
    fmr_targets: list[float],
    folder: Path,
) -> None:
    from colourfr.metrics.scenario_tables import genuine_arrays
    from colourfr.reporting.verification_figures import (
        plot_det,
        plot_frr_vs_threshold,
        plot_score_distributions,
    )
    from colourfr.scores import require_impostors

    impostor = require_impostors(baseline, baseline_path)
    genuine = genuine_arrays(scenarios)
    folder.mkdir(parents=True, exist_ok=True)
    plot_det(genuine, impostor, folder / "det.png", folder / "det.pdf", fmr_targets)
    plot_frr_vs_threshold(
        genuine,
        impostor,
        folder / "frr_threshold.png",
        folder / "frr_threshold.pdf",
        fmr_targets[0],
    )
    plot_score_distributions(
        genuine, impostor, folder / "score_distributions.png", folder / "score_distributions.pdf"
    )
    print(f"figures written to {folder}", file=sys.stderr)


def _emit(table: Any, fmt: str) -> None:
    from colourfr.metrics.scenario_tables import records_for_json
    from colourfr.reporting.performance import format_table

    if fmt == "json":
        json.dump(records_for_json(table), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_table(table, fmt))
