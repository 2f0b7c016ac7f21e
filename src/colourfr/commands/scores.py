"""``colourfr scores``: convert score files for other toolkits."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("scores", help="convert score files for other toolkits")
    sub = parser.add_subparsers(dest="scores_command", required=True)
    export = sub.add_parser(
        "export",
        help="write a score file in another toolkit's format",
        description="bob: the 4-column text format (claimed_id real_id test_label score),"
        " scores as similarities (the negated dissimilarities); comparisons that failed to"
        " acquire have no score there and are left out (counted on stderr).",
    )
    export.add_argument("input", help="a score file of this project (CSV or Parquet)")
    export.add_argument("output", help="the file to write")
    export.add_argument("--format", choices=("bob",), default="bob")
    export.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from colourfr.foreign_scores import write_bob
    from colourfr.scores import read_scores

    frame = read_scores(args.input)
    left_out = write_bob(frame, args.output)
    print(
        f"{len(frame) - left_out} comparisons written to {args.output}"
        + (f"; {left_out} failed to acquire and are left out" if left_out else ""),
        file=sys.stderr,
    )
    return 0
