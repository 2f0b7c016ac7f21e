"""``colourfr metrics`` in memory vs ``--stream`` on the LFW-scale score file.

The score file is the one ``bench_pipeline_scale.py`` builds (same seed, same synthetic
512-d embeddings: 1,680 references x 7,484 probes, 50 probe failures, all-vs-all with
impostors = 12,573,120 rows, Parquet). It is built in a child process (or reused with
``--scores``), then the console script ``colourfr metrics`` runs on it, self as baseline,
``--fmr 0.001``, once in memory and once with ``--stream --batch-rows 1000000`` per
repeat, each in a fresh process (order alternates between repeats). Wall time is the whole
process (Python start-up and imports included); peak RSS is the child's own ``ru_maxrss``
from ``os.wait4``. The JSON outputs of the two modes are compared field by field.

    python bench/metrics/bench_cli_stream.py --repeats 3 --out bench/metrics/cli_stream.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

COMPARED_FIELDS = ("threshold", "fmr", "fta", "fnmr", "frr", "d_prime")
COUNT_FIELDS = ("n_genuine", "n_genuine_valid", "n_impostor_valid")


def build(path: Path, references: int, probes: int, dim: int) -> dict[str, Any]:
    """Score file of bench_pipeline_scale.py (runs in its own process: see main)."""
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_pipeline_scale import synthetic_embedding_sets

    from colourfr.comparison import compare_all
    from colourfr.scores import write_scores

    start = time.perf_counter()
    refs, probe_set = synthetic_embedding_sets(references, probes, dim, np.random.default_rng(0))
    frame = compare_all(refs, probe_set, impostors=True)
    write_scores(frame, path)
    return {
        "rows": len(frame),
        "genuine_rows": int(frame["genuine"].sum()),
        "references": references,
        "probes": probes,
        "dim": dim,
        "build_s": time.perf_counter() - start,
        "file_mb": path.stat().st_size / 2**20,
        "build_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def run_cli(command: list[str], out_path: Path) -> dict[str, Any]:
    """Run ``command`` in a fresh process; wall time and the child's own peak RSS."""
    with out_path.open("w") as stdout:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
        assert child.stderr is not None
        stderr = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed ({child.returncode}): {stderr!r}")
    return {
        "wall_s": wall,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024.0,
        "records": json.loads(out_path.read_text()),
    }


def agreement(memory: list[dict[str, Any]], stream: list[dict[str, Any]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for field in (*COMPARED_FIELDS, *COUNT_FIELDS, "eer"):
        pairs = [(m.get(field), s.get(field)) for m, s in zip(memory, stream, strict=True)]
        numeric = [(a, b) for a, b in pairs if a is not None and b is not None]
        fields[field] = {
            "identical": all(a == b for a, b in pairs),
            "max_abs_diff": max((abs(a - b) for a, b in numeric), default=None),
            "max_rel_diff": max(
                (abs(a - b) / max(abs(a), abs(b)) for a, b in numeric if a != b), default=0.0
            ),
            "memory": [a for a, _ in pairs],
            "stream": [b for _, b in pairs],
        }
    return {
        "fields": fields,
        "threshold_fmr_fta_fnmr_frr_identical": all(
            fields[f]["identical"] for f in ("threshold", "fmr", "fta", "fnmr", "frr")
        ),
        # d' comes from running moments when streamed: equal up to summation order.
        "d_prime_max_rel_diff": fields["d_prime"]["max_rel_diff"],
        "counts_identical": all(fields[f]["identical"] for f in COUNT_FIELDS),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    one = sub.add_parser("build", help="(internal) write the score file")
    one.add_argument("path", type=Path)
    for p in (parser, one):
        p.add_argument("--references", type=int, default=1680)
        p.add_argument("--probes", type=int, default=7484)
        p.add_argument("--dim", type=int, default=512)
    parser.add_argument("--scores", type=Path, help="reuse (or keep) this score file")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fmr", type=float, default=0.001)
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--colourfr",
        default=str(Path(sys.executable).with_name("colourfr")),
        help="console script to run (default: next to this Python)",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.command == "build":
        print(json.dumps(build(args.path, args.references, args.probes, args.dim)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        scores = args.scores or Path(tmp) / "s1.parquet"
        built: dict[str, Any] | None = None
        if not scores.exists():
            completed = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "build",
                    str(scores),
                    "--references",
                    str(args.references),
                    "--probes",
                    str(args.probes),
                    "--dim",
                    str(args.dim),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            built = json.loads(completed.stdout.strip().splitlines()[-1])
            print(json.dumps(built), flush=True)
        base = [args.colourfr, "metrics", str(scores), "--baseline", str(scores)]
        base += ["--fmr", repr(args.fmr), "--format", "json"]
        commands = {
            "memory": base,
            "stream": [*base, "--stream", "--batch-rows", str(args.batch_rows)],
        }
        runs: list[dict[str, Any]] = []
        outputs: dict[str, list[dict[str, Any]]] = {}
        for repeat in range(args.repeats):
            order = ("memory", "stream") if repeat % 2 == 0 else ("stream", "memory")
            for mode in order:
                run = run_cli(commands[mode], Path(tmp) / f"{mode}.json")
                records = run.pop("records")
                for record in records:
                    record["file"] = "SCORES.parquet"
                if mode in outputs and outputs[mode] != records:
                    raise RuntimeError(f"{mode}: output changed between repeats")
                outputs[mode] = records
                runs.append({"mode": mode, "repeat": repeat, **run})
                print(json.dumps(runs[-1]), flush=True)
        file_mb = scores.stat().st_size / 2**20
    summary = {}
    for mode in commands:
        mine = [r for r in runs if r["mode"] == mode]
        walls = [r["wall_s"] for r in mine]
        summary[mode] = {
            "wall_s_median": statistics.median(walls),
            "wall_s_min": min(walls),
            "wall_s_max": max(walls),
            "maxrss_mb_max": max(r["maxrss_mb"] for r in mine),
            "maxrss_mb_min": min(r["maxrss_mb"] for r in mine),
        }
    result = {
        "score_file": built
        or {"path": str(args.scores), "file_mb": file_mb, "rows": None, "note": "reused"},
        "file_mb": file_mb,
        "fmr_target": args.fmr,
        "batch_rows": args.batch_rows,
        "repeats": args.repeats,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": list(os.getloadavg()),
        "commands": {
            mode: shlex.join(["colourfr", *c[1:]]).replace(str(scores), "SCORES.parquet")
            for mode, c in commands.items()
        },
        "summary": summary,
        "runs": runs,
        "agreement": agreement(outputs["memory"], outputs["stream"]),
        "outputs": outputs,
    }
    print(json.dumps(result["summary"], indent=2))
    print(json.dumps({k: v for k, v in result["agreement"].items() if k != "fields"}))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
