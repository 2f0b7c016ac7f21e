"""The run's performance record: wall time and peak memory per rule, summed over its jobs,
from the TSV files Snakemake's ``benchmark:`` directive writes (one per job, under
``results/benchmarks/<rule>/``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from colourfr.io.tables import markdown

COLUMNS = ("rule", "jobs", "wall_s_total", "wall_s_max", "cpu_s_total", "peak_rss_mb_max")


def run_benchmark_files(
    patterns: Iterable[str],
    values: Mapping[str, Iterable[str]],
    shards: Mapping[str, Iterable[str]],
) -> list[Path]:
    """The benchmark files of one run's jobs: each rule's benchmark pattern filled with
    every combination of this run's wildcard values (``values``: wildcard -> values in use;
    ``shard``: those of the combination's dataset), the ones that exist. Built from the
    values, not parsed from file names, which wildcards with ``_`` in them would make
    ambiguous."""
    import itertools
    import re

    found: set[Path] = set()
    for pattern in patterns:
        names = list(dict.fromkeys(re.findall(r"{(\w+)}", pattern)))
        choices = [sorted(values.get(name, ())) if name != "shard" else [None] for name in names]
        for combination in itertools.product(*choices):
            named = dict(zip(names, combination))
            shard_values: Iterable[str | None] = (
                shards.get(str(named.get("dataset")), ()) if "shard" in named else [None]
            )
            for shard in shard_values:
                path = pattern
                for name, value in {**named, **({"shard": shard} if shard else {})}.items():
                    path = path.replace("{" + name + "}", str(value))
                if Path(path).is_file():
                    found.add(Path(path))
    return sorted(found)


def summarise_benchmarks(files: Iterable[str | os.PathLike[str]]) -> pd.DataFrame:
    """Per rule (the folder a benchmark file is in): jobs, total and longest wall time,
    total CPU time, largest peak resident memory (MB). Rules sorted by total wall time."""
    rows = []
    for path in map(Path, files):
        table = pd.read_csv(path, sep="\t")
        if table.empty:
            continue
        rows.append(
            {
                "rule": path.parent.name,
                "wall_s": float(table["s"].iloc[-1]),
                "cpu_s": float(pd.to_numeric(table.get("cpu_time"), errors="coerce").iloc[-1])
                if "cpu_time" in table
                else float("nan"),
                "rss_mb": float(pd.to_numeric(table["max_rss"], errors="coerce").iloc[-1]),
            }
        )
    if not rows:
        return pd.DataFrame(columns=list(COLUMNS))
    jobs = pd.DataFrame(rows)
    summary = jobs.groupby("rule").agg(
        jobs=("wall_s", "size"),
        wall_s_total=("wall_s", "sum"),
        wall_s_max=("wall_s", "max"),
        cpu_s_total=("cpu_s", "sum"),
        peak_rss_mb_max=("rss_mb", "max"),
    )
    summary = summary.reset_index().sort_values("wall_s_total", ascending=False)
    return summary.loc[:, list(COLUMNS)].round(2).reset_index(drop=True)


def benchmark_markdown(summary: pd.DataFrame) -> str:
    header = (
        "# Performance record\n\n"
        "Wall time and peak resident memory per rule, over all its jobs of this run "
        "(Snakemake `benchmark:` files under `benchmarks/`; jobs that were already done "
        "keep the figures of the run that made them).\n\n"
    )
    shown = summary.rename(
        columns={
            "wall_s_total": "wall time, total (s)",
            "wall_s_max": "longest job (s)",
            "cpu_s_total": "CPU time, total (s)",
            "peak_rss_mb_max": "peak memory, largest job (MB)",
        }
    )
    return header + markdown(shown, floatfmt=".1f")
