"""``colourfr references``: write a reference list (``protocols.<name>.reference.rule:
list``) for a configured dataset, before the workflow runs: per subject the first image in
(session, image id) order among those that match every ``--where COLUMN=VALUE`` (the
dataset listing's columns: ``pose``, ``expression``, ``session``, ...). FRGC, for example,
ships no one-reference-per-subject list; ``--where expression=controlled`` picks each
subject's first controlled still, as the paper's studio-lit references."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from colourfr.errors import ConfigError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "references",
        help="write a one-reference-per-subject list for a configured dataset",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument(
        "--configfile",
        nargs="+",
        required=True,
        metavar="FILE",
        help="the config files of the run (as for snakemake --configfile)",
    )
    parser.add_argument("--dataset", required=True, help="the dataset's name in the config")
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="keep only images whose listing column equals VALUE (repeatable)",
    )
    parser.add_argument("--out", required=True, type=Path, help="the list file to write")
    parser.set_defaults(func=run)


def _conditions(items: list[str]) -> dict[str, str]:
    conditions = {}
    for item in items:
        column, separator, value = item.partition("=")
        if not separator or not column:
            raise ConfigError(f"--where {item!r}: expected COLUMN=VALUE")
        conditions[column.strip()] = value.strip()
    return conditions


def first_per_subject(listing: Any, conditions: dict[str, str]) -> Any:
    """Per subject, the first image in (session, image id) order among the matching ones."""
    missing = [c for c in conditions if c not in listing.columns]
    if missing:
        raise ConfigError(
            f"--where: no column {missing[0]!r} in the listing (columns: "
            f"{', '.join(listing.columns)})"
        )
    kept = listing
    for column, value in conditions.items():
        kept = kept[kept[column].astype(str) == value]
    if kept.empty:
        raise ConfigError(f"no image matches {conditions}")
    ordered = kept.sort_values(["subject_id", "session", "image_id"], kind="stable")
    return ordered.drop_duplicates("subject_id")[["subject_id", "image_id"]]


def run(args: argparse.Namespace) -> int:
    from colourfr.config import merge_configs, read_config_file
    from colourfr.datasets import REGISTRY
    from colourfr.datasets.manifest import normalise_ids
    from colourfr.io.atomic import write_text

    merged: dict[str, Any] = {}
    for path in args.configfile:
        merged = merge_configs(merged, read_config_file(path))
    datasets = merged.get("datasets", {})
    if args.dataset not in datasets:
        raise ConfigError(
            f"--dataset {args.dataset!r} is not in {', '.join(args.configfile)} "
            f"(datasets: {', '.join(datasets) or 'none'})"
        )
    dataset = datasets[args.dataset]
    if not dataset.get("root"):
        raise ConfigError(f"datasets.{args.dataset}.root is not set")
    reader = REGISTRY.get(dataset["format"]).load_factory()
    listing = reader(Path(dataset["root"]), **dataset.get("options", {}))
    # The ids as the manifest will spell them.
    merge = bool(dataset.get("subjects", {}).get("merge_case_variants", False))
    listing = normalise_ids(
        listing.astype({"image_id": str, "subject_id": str}), args.dataset, merge
    )
    chosen = first_per_subject(listing, _conditions(args.where))
    header = f"# {args.dataset}: first image per subject in (session, image id) order"
    if args.where:
        header += " where " + ", ".join(args.where)
    write_text(args.out, "\n".join([header, *chosen["image_id"]]) + "\n")
    print(
        f"{args.out}: {len(chosen)} references of {listing['subject_id'].nunique()} subjects",
        file=sys.stderr,
    )
    return 0
