"""``colourfr effect``: does TREATMENT change the FRR of CONTROL? The paired effect on the
genuine comparisons both score files share, at a threshold from BASELINE's impostors, with a
subject-bootstrap interval, an exact McNemar test and a verdict (docs/metrics.md,
"Effects: does colourisation help?")."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from colourfr.commands.metrics import MetricsArgumentError, _fmr


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "effect",
        help="paired effect of a treatment on FRR, with interval, test and verdict",
        description=(
            "CONTROL and TREATMENT are paired on their genuine (reference, probe) comparisons;"
            " a failure to acquire counts as a rejection. Verdict: better when the interval of"
            " delta FRR (treatment - control) lies below 0, worse above 0, equivalent within"
            " [-margin, +margin], inconclusive otherwise."
        ),
    )
    parser.add_argument("control", metavar="CONTROL", help="score file of the control")
    parser.add_argument("treatment", metavar="TREATMENT", help="score file of the treatment")
    parser.add_argument(
        "--baseline",
        required=True,
        metavar="BASELINE",
        help="score file whose impostors set the threshold",
    )
    parser.add_argument("--fmr", type=_fmr, default=0.001, help="FMR target (default 0.001)")
    parser.add_argument(
        "--margin",
        type=float,
        default=0.005,
        help="equivalence margin on delta FRR, a fraction (default 0.005: half a point)",
    )
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="replicates")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--confidence", type=float, default=0.95, help="interval level")
    parser.add_argument("--format", choices=("json", "md", "csv"), default="json")
    parser.add_argument(
        "--score-kind",
        choices=("similarity", "dissimilarity"),
        help="as for `colourfr metrics`: bob and pyeer files default to similarity",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from colourfr.foreign_scores import read_any
    from colourfr.metrics.effects import paired_effect
    from colourfr.metrics.thresholds import threshold_at_fmr
    from colourfr.reporting.effects import effects_csv, effects_markdown
    from colourfr.scores import paired_genuine_scores, require_impostors

    if args.bootstrap < 1:
        raise MetricsArgumentError(f"--bootstrap must be >= 1, got {args.bootstrap}")
    if not 0.0 < args.confidence < 1.0:
        raise MetricsArgumentError(f"--confidence must lie in (0, 1), got {args.confidence}")
    if args.margin < 0:
        raise MetricsArgumentError(f"--margin must be >= 0, got {args.margin}")
    baseline_path = str(args.baseline)
    frames: dict[str, Any] = {}
    for path in (baseline_path, str(args.control), str(args.treatment)):
        if path not in frames:
            frames[path] = read_any(path, args.score_kind)[1]
    threshold = threshold_at_fmr(require_impostors(frames[baseline_path], baseline_path), args.fmr)
    if threshold.threshold is None:
        raise MetricsArgumentError(
            f"{baseline_path}: no threshold at FMR {args.fmr:g}: {threshold.note}"
        )
    control, treatment = str(args.control), str(args.treatment)
    scores_a, scores_b, subjects = paired_genuine_scores(
        frames[control], control, frames[treatment], treatment
    )
    effect = paired_effect(
        control,
        treatment,
        scores_a,
        scores_b,
        subjects,
        threshold.threshold,
        args.fmr,
        margin=args.margin,
        replicates=args.bootstrap,
        seed=args.seed,
        confidence=args.confidence,
    )
    if args.format == "json":
        json.dump(effect.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.format == "md":
        sys.stdout.write(effects_markdown([effect.as_dict()]))
    else:
        sys.stdout.write(effects_csv([effect.as_dict()]))
    return 0
