"""``colourfr identification``: closed-set rank-1 and CMC, open-set FNIR at FPIR, for your
own score files (the verification files' columns: every probe against every reference)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from colourfr.commands.metrics import MetricsArgumentError, _fmr


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "identification",
        help="rank-1, CMC and FNIR at FPIR of score files (every probe vs every reference)",
        description=(
            "Score files have columns reference, probe, genuine, score [, failure]; a probe"
            " with a genuine row is a mated search, one without a non-mated search. Ranks"
            " count ties against the mate; open-set thresholds are m_(k+1) of the sorted"
            " minima of the valid non-mated searches, k = floor(FPIR*N) (docs/metrics.md)."
        ),
    )
    parser.add_argument("scores", nargs="+", metavar="SCORES", help="score files (CSV/Parquet)")
    parser.add_argument(
        "--baseline",
        metavar="BASELINE",
        help="file whose non-mated searches set the thresholds (default: each file's own)",
    )
    parser.add_argument(
        "--fpir",
        type=_fmr,
        action="append",
        metavar="FPIR",
        help="FPIR target as a fraction (repeatable; default 0.1 and 0.01)",
    )
    parser.add_argument("--max-rank", type=int, default=20, help="CMC ranks 1..N (default 20)")
    parser.add_argument("--format", choices=("json", "csv", "md", "tex"), default="json")
    parser.set_defaults(func=run)


def _searches(path: str) -> Any:
    from colourfr.metrics.identification import searches
    from colourfr.scores import _row_locator, read_scores

    return searches(read_scores(path), path, _row_locator(Path(path)))


def run(args: argparse.Namespace) -> int:
    from colourfr.metrics.identification import evaluate_identification

    if args.max_rank < 1:
        raise MetricsArgumentError(f"--max-rank must be >= 1, got {args.max_rank}")
    targets: list[float] = args.fpir or [0.1, 0.01]
    files = {str(path): _searches(str(path)) for path in args.scores}
    baseline = None
    if args.baseline:
        baseline = files.get(str(args.baseline)) or _searches(str(args.baseline))
    results = evaluate_identification(files, targets, args.max_rank, baseline)
    records = [result.as_dict() for result in results]
    if args.format == "json":
        json.dump(records, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_identification(records, args.format))
    return 0


def format_identification(records: list[dict[str, Any]], fmt: str) -> str:
    """csv: every field (CMC as cmc_1..cmc_R); md/tex: the Table 3 layout."""
    import pandas as pd

    if fmt == "csv":
        rows = []
        for record in records:
            row = {k: v for k, v in record.items() if k != "cmc"}
            row.update({f"cmc_{i + 1}": v for i, v in enumerate(record["cmc"])})
            rows.append(row)
        return pd.DataFrame(rows).to_csv(index=False)

    def pct(value: Any) -> str:
        return "n/a" if value is None else f"{100 * value:.3f}"

    layout = pd.DataFrame(
        [
            {
                "FPIR target (%)": f"{100 * r['fpir_target']:g}",
                "File": r["file"],
                "Rank-1 (%)": pct(r["rank1"]),
                "FNIR (%)": pct(r["fnir"]),
                "Threshold": "n/a" if r["threshold"] is None else f"{r['threshold']:.4f}",
                "Achieved FPIR (%)": pct(r["fpir"]),
                "FTA mated (%)": pct(r["n_mated_failed"] / r["n_mated"]) if r["n_mated"] else "n/a",
                "FTA non-mated (%)": pct(r["n_non_mated_failed"] / r["n_non_mated"])
                if r["n_non_mated"]
                else "n/a",
            }
            for r in records
        ]
    )
    notes = sorted({r["note"] for r in records if r["note"]})
    from colourfr.io.tables import latex, markdown

    if fmt == "md":
        text = markdown(layout, numparse=False)
        return text + "".join(f"\n{note}\n" for note in notes)
    if fmt == "tex":
        return latex(layout)
    raise MetricsArgumentError(f"unknown format {fmt!r}")
