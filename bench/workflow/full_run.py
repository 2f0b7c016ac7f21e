"""Wall time and memory of a whole workflow run (the documented command), per rule too.

Runs a command (default: ``make run``) in a checkout, samples the resident memory of the
whole process tree every ``--interval`` seconds from /proc (Snakemake plus every job it
starts), and reads the Snakemake log for per-rule job counts and summed job times.

    python bench/workflow/full_run.py --checkout /path/to/fresh/clone --out bench/workflow/full_run.json

GNU time's "maximum resident set size" would only give the largest single process; the
tree sum is what a machine must hold when jobs run side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    for task in task_dir.glob("*") if task_dir.is_dir() else []:
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def tree_rss(root: int) -> tuple[int, int]:
    """(sum of RSS over the tree, largest single RSS), bytes."""
    total = largest = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        total += rss
        largest = max(largest, rss)
        stack += _children(pid)
    return total, largest


class Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_tree = self.peak_single = 0
        self.samples: list[tuple[float, int]] = []
        self.load: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stop.is_set():
            total, single = tree_rss(self.pid)
            self.peak_tree = max(self.peak_tree, total)
            self.peak_single = max(self.peak_single, single)
            self.samples.append((round(time.monotonic() - started, 1), total))
            self.load.append(float(Path("/proc/loadavg").read_text().split()[0]))
            self.stop.wait(self.interval)


_STAMP = re.compile(r"^\[(\w{3} \w{3}\s+\d+ \d\d:\d\d:\d\d \d{4})\]$")
_RULE = re.compile(r"^(?:local)?(?:rule|checkpoint) (\S+):$")
_JOBID = re.compile(r"^\s+jobid: (\d+)$")
_DONE = re.compile(r"^Finished jobid: (\d+)")


def rule_times(log_text: str) -> dict[str, dict[str, float]]:
    """Per rule: jobs and summed wall seconds, from a Snakemake log's timestamps."""
    stamp: datetime | None = None
    started: dict[str, tuple[str, datetime]] = {}
    pending_rule: str | None = None
    summary: dict[str, dict[str, float]] = defaultdict(lambda: {"jobs": 0, "job_seconds": 0.0})
    for line in log_text.splitlines():
        if match := _STAMP.match(line):
            stamp = datetime.strptime(" ".join(match.group(1).split()), "%a %b %d %H:%M:%S %Y")
        elif match := _RULE.match(line):
            pending_rule = match.group(1)
        elif (match := _JOBID.match(line)) and pending_rule and stamp:
            started[match.group(1)] = (pending_rule, stamp)
            pending_rule = None
        elif (match := _DONE.match(line)) and stamp and match.group(1) in started:
            rule, began = started.pop(match.group(1))
            summary[rule]["jobs"] += 1
            summary[rule]["job_seconds"] += (stamp - began).total_seconds()
    return dict(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, required=True)
    parser.add_argument("--command", default="make run")
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    log_path = args.out.with_suffix(".log")
    began = time.monotonic()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            args.command, shell=True, cwd=args.checkout, stdout=log, stderr=subprocess.STDOUT
        )
        sampler = Sampler(process.pid, args.interval)
        sampler.start()
        returncode = process.wait()
        sampler.stop.set()
        sampler.join()
    wall = time.monotonic() - began
    text = log_path.read_text(errors="replace")
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=args.checkout, capture_output=True, text=True, check=False
    ).stdout.strip()
    result: dict[str, Any] = {
        "command": args.command,
        "checkout_commit": commit,
        "returncode": returncode,
        "wall_s": round(wall, 1),
        "peak_tree_rss_mib": round(sampler.peak_tree / 2**20),
        "peak_single_process_rss_mib": round(sampler.peak_single / 2**20),
        "cpus": os.cpu_count(),
        # Above the CPU count means something else competed for the cores.
        "load_average_1min_mean": round(sum(sampler.load) / max(1, len(sampler.load)), 2),
        "load_average_1min_max": max(sampler.load, default=0.0),
        "machine": platform.platform(),
        "python": sys.version.split()[0],
        "rules": rule_times(text),
        "memory_samples_s_bytes": sampler.samples[:: max(1, len(sampler.samples) // 500)],
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(
        json.dumps(
            {k: v for k, v in result.items() if k not in ("rules", "memory_samples_s_bytes")}
        )
    )
    sys.exit(returncode)


if __name__ == "__main__":
    main()
