"""Score files in pyeer's own format, read and evaluated as a user runs it: whole processes.

Two text files (one similarity per line) as pyeer writes and reads them: 10^4 genuine
scores and ``--impostors`` impostor scores (normal distributions, fixed seed). Each tool
runs in a fresh process, so Python start-up, imports, parsing and the metric all count:

- ``colourfr``: ``colourfr metrics --baseline pyeer:G,I pyeer:G,I`` (FNMR/FRR at FMR 0.1 %
  and d', JSON on stdout);
- ``colourfr@REV`` (with ``--before REV``): the same command on the library of an earlier
  commit, checked out into a temporary worktree, for a before/after of one change;
- ``pyeer``: ``np.loadtxt`` of both files and ``pyeer.eer_info.get_eer_stats`` (EER, FMR
  operating points, d'), the way pyeer's own command line reads them.

Reported per tool: wall time, CPU time (user + system of the child) and peak RSS
(``ru_maxrss`` from ``os.wait4``), the median of ``--repeats`` runs (the order of the tools
alternates between repeats). The JSON results of colourfr runs are compared.

pyeer 0.5.6 (in the lock) imports ``pkg_resources``, which the lock's setuptools-free
environment lacks; give it one outside the environment:

    .venv/bin/pip install --target build/setuptools "setuptools<81"
    PYTHONPATH=build/setuptools .venv/bin/python bench/metrics/bench_pyeer_files.py \
        --impostors 2000000 --before HEAD~1 --out bench/metrics/pyeer_files.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GENUINE = 10_000

PYEER_SNIPPET = """
import sys
import numpy as np
from pyeer.eer_info import get_eer_stats
genuine = np.loadtxt(sys.argv[1])
impostor = np.loadtxt(sys.argv[2])
stats = get_eer_stats(genuine, impostor)
print(stats.eer, stats.fmr1000, stats.decidability)
"""

COLOURFR_SNIPPET = """
import sys
sys.path.insert(0, sys.argv[1])
from colourfr.cli import main
sys.exit(main(sys.argv[2:]))
"""


def write_files(folder: Path, impostors: int, seed: int) -> tuple[Path, Path]:
    import numpy as np

    rng = np.random.default_rng(seed)
    genuine_path, impostor_path = folder / "genuine.txt", folder / "impostor.txt"
    np.savetxt(genuine_path, rng.normal(0.7, 0.1, GENUINE), fmt="%.6f")
    np.savetxt(impostor_path, rng.normal(0.1, 0.1, impostors), fmt="%.6f")
    return genuine_path, impostor_path


def measure(command: list[str]) -> tuple[dict[str, float], str]:
    """Runs a command to its end; wall, CPU and peak RSS of that child alone."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    stdout = process.stdout.read().decode() if process.stdout else ""
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[:3]} failed:\n{stderr[-3000:]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }, stdout


def worktree(revision: str, folder: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), revision],
        check=True,
        capture_output=True,
    )
    return folder / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--impostors", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20200916)
    parser.add_argument("--before", help="also time the colourfr of this commit")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        genuine, impostor = write_files(folder, args.impostors, args.seed)
        spec = f"pyeer:{genuine},{impostor}"
        metrics_args = ["metrics", "--baseline", spec, spec, "--format", "json"]
        tools = {
            "colourfr": [sys.executable, "-c", COLOURFR_SNIPPET, str(REPO / "src"), *metrics_args],
            "pyeer": [sys.executable, "-c", PYEER_SNIPPET, str(genuine), str(impostor)],
        }
        if args.before:
            old_src = worktree(args.before, folder / "before")
            tools[f"colourfr@{args.before}"] = [
                sys.executable, "-c", COLOURFR_SNIPPET, str(old_src), *metrics_args
            ]  # fmt: skip
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in tools}
        outputs: dict[str, str] = {}
        try:
            for repeat in range(args.repeats):
                order = list(tools) if repeat % 2 == 0 else list(reversed(tools))
                for name in order:
                    figures, stdout = measure(tools[name])
                    runs[name].append(figures)
                    outputs[name] = stdout
        finally:
            if args.before:
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "remove", "--force",
                     str(folder / "before")],
                    check=False, capture_output=True,
                )  # fmt: skip

    colourfr_outputs = {json.dumps(json.loads(v), sort_keys=True)
                        for k, v in outputs.items() if k.startswith("colourfr")}  # fmt: skip
    result: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average_at_start": os.getloadavg(),
        "genuine": GENUINE,
        "impostors": args.impostors,
        "repeats": args.repeats,
        "colourfr_outputs_identical": len(colourfr_outputs) == 1,
        "median": {
            name: {key: statistics.median(r[key] for r in values) for key in values[0]}
            for name, values in runs.items()
        },
        "runs": runs,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
