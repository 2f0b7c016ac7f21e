"""Benchmark colourfr.metrics against pyeer, and the 10^9-impostor streaming threshold.

Each measurement runs in a fresh subprocess so that its peak resident memory
(``ru_maxrss``) and its tracemalloc peak belong to that measurement alone.

    python bench/metrics/bench_metrics.py compare --sizes 1000000 10000000
    python bench/metrics/bench_metrics.py stream --total 1000000000 --block 10000000
    python bench/metrics/bench_metrics.py all --out bench/metrics/results.json
    python bench/metrics/bench_metrics.py eer-definitions --out bench/metrics/results.json --merge

Scores are synthetic cosine distances: impostors ~ N(0.98, 0.05), genuine ~ N(0.62, 0.12),
genuine = 1 % of the total. ``eer-definitions`` uses genuine ~ N(0.45, 0.12) on 10^5 scores
(seed 0), where the FMR and FNMR curves cross on a step and the two EER definitions differ. Timings include only the metric computation (scores already
in memory), not data generation.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

FMR_TARGETS = (0.001, 0.01, 0.0001)


def synthetic_scores(
    total: int, seed: int = 0, genuine_mean: float = 0.62
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_genuine = max(1, total // 100)
    genuine = rng.normal(genuine_mean, 0.12, n_genuine)
    impostor = rng.normal(0.98, 0.05, total - n_genuine)
    return genuine, impostor


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure_ours(total: int) -> dict[str, Any]:
    from colourfr.metrics import evaluate_scenario

    genuine, impostor = synthetic_scores(total)
    rss_before = _maxrss_mb()
    tracemalloc.start()
    start = time.perf_counter()
    points = evaluate_scenario(genuine, impostor, FMR_TARGETS)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "tool": "colourfr",
        "total": total,
        "seconds": elapsed,
        "tracemalloc_peak_mb": peak / 2**20,
        "maxrss_mb": _maxrss_mb(),
        "maxrss_before_mb": rss_before,
        "d_prime": points[0].d_prime,
        "eer": points[0].eer,
        "operating_points": {
            str(p.fmr_target): {"threshold": p.threshold, "fmr": p.fmr, "fnmr": p.fnmr}
            for p in points
        },
    }


def _pyeer_read_with_our_rule(stats: Any, target: float) -> dict[str, float]:
    """pyeer's curve, read with colourfr's rule: the most permissive pyeer threshold
    whose FMR does not exceed the target (pyeer accepts score <= t for dissimilarities)."""
    fmr = np.asarray(stats.fmr)
    fnmr = np.asarray(stats.fnmr)
    thresholds = np.asarray(stats.thrs)
    allowed = np.flatnonzero(fmr <= target)
    # Most permissive = largest FMR among the allowed points (then the smallest FNMR);
    # pyeer's threshold order for dissimilarities is descending, so do not rely on it.
    best = np.lexsort((fnmr[allowed], -fmr[allowed]))[0]
    index = int(allowed[best])
    return {
        "threshold_inclusive": float(thresholds[index]),
        "fmr": float(fmr[index]),
        "fnmr": float(fnmr[index]),
    }


def _import_pyeer() -> Any:
    """pyeer's report module imports pkg_resources (gone from setuptools >= 81) only to
    print its own version in reports, which we never write: a tiny stand-in suffices."""
    try:
        import pkg_resources  # noqa: F401
    except ModuleNotFoundError:
        import types
        from importlib.metadata import version

        shim = types.ModuleType("pkg_resources")
        shim.require = lambda name: [types.SimpleNamespace(version=version(name))]  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim
    from pyeer.eer_info import get_eer_stats

    return get_eer_stats


def measure_pyeer(total: int) -> dict[str, Any]:
    get_eer_stats = _import_pyeer()

    genuine, impostor = synthetic_scores(total)
    rss_before = _maxrss_mb()
    tracemalloc.start()
    start = time.perf_counter()
    stats = get_eer_stats(genuine, impostor, ds_scores=True)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "tool": "pyeer",
        "total": total,
        "seconds": elapsed,
        "tracemalloc_peak_mb": peak / 2**20,
        "maxrss_mb": _maxrss_mb(),
        "maxrss_before_mb": rss_before,
        "d_prime": float(stats.decidability),
        "eer": float(stats.eer),
        "eer_interval": [float(stats.eer_low), float(stats.eer_high)],
        "fmr1000_fnmr": float(stats.fmr1000),
        "fmr100_fnmr": float(stats.fmr100),
        "fmr1000_threshold": float(stats.fmr1000_th),
        "our_rule_on_pyeer_curve": {
            str(t): _pyeer_read_with_our_rule(stats, t) for t in FMR_TARGETS
        },
        "pyeer_fmr_at_fmr1000": float(
            np.asarray(stats.fmr)[int(np.argmin(abs(np.asarray(stats.fmr) - 0.001)))]
        ),
    }


def measure_stream(total: int, block: int, seed: int = 1) -> dict[str, Any]:
    """10^9 impostor scores generated block by block (never all in memory)."""
    from scipy.stats import norm

    from colourfr.metrics import StreamingImpostorSelector

    rng = np.random.default_rng(seed)
    selector = StreamingImpostorSelector(FMR_TARGETS, max_count=total)
    rss_before = _maxrss_mb()
    start = time.perf_counter()
    generated = 0
    feed_seconds = 0.0
    while generated < total:
        n = min(block, total - generated)
        scores = rng.standard_normal(n, dtype=np.float32)
        scores *= np.float32(0.05)
        scores += np.float32(0.98)
        t0 = time.perf_counter()
        selector.update(scores)
        feed_seconds += time.perf_counter() - t0
        generated += n
        del scores
    thresholds = selector.thresholds()
    elapsed = time.perf_counter() - start
    return {
        "tool": "colourfr-streaming",
        "total": total,
        "block": block,
        "seconds_total": elapsed,
        "seconds_selection_only": feed_seconds,
        "maxrss_mb": _maxrss_mb(),
        "maxrss_before_mb": rss_before,
        "kept_mb": selector.kept_bytes / 2**20,
        "capacity": selector.capacity,
        "impostor_mean": selector.mean,
        "impostor_sd": selector.population_sd,
        "thresholds": {
            str(t.fmr_target): {
                "threshold": t.threshold,
                "achieved_fmr": t.achieved_fmr,
                "normal_quantile": 0.98 + 0.05 * float(norm.ppf(t.fmr_target)),
            }
            for t in thresholds
        },
    }


def measure_stream_exactness(total: int, block: int) -> dict[str, Any]:
    """Streaming vs in-memory thresholds on the same 10^7 scores (must be identical)."""
    from colourfr.metrics import streaming_thresholds, thresholds_at_fmrs

    _, impostor = synthetic_scores(total, seed=2)
    blocks = (impostor[i : i + block] for i in range(0, impostor.size, block))
    streamed = streaming_thresholds(blocks, FMR_TARGETS, impostor.size).thresholds()
    in_memory = thresholds_at_fmrs(impostor, FMR_TARGETS)
    return {"tool": "stream-vs-memory", "total": total, "identical": streamed == in_memory}


def measure_design_difference(n_impostor: int = 1800, seed: int = 3) -> dict[str, Any]:
    """Where pyeer's FMR1000 differs by design: it takes the operating point whose FMR is
    *closest* to 0.001, which may exceed it; colourfr's rule never exceeds the target.
    With N = 1800 the reachable FMRs near 0.001 are 1/1800 (0.00056) and 2/1800 (0.00111)."""
    from colourfr.metrics import evaluate_scenario

    get_eer_stats = _import_pyeer()
    rng = np.random.default_rng(seed)
    genuine = rng.normal(0.62, 0.12, 200)
    impostor = rng.normal(0.98, 0.05, n_impostor)
    (ours,) = evaluate_scenario(genuine, impostor, [0.001])
    stats = get_eer_stats(genuine, impostor, ds_scores=True)
    fmr = np.asarray(stats.fmr)
    index = int(np.argmin(abs(fmr - 0.001)))
    return {
        "tool": "design-difference",
        "total": n_impostor + genuine.size,
        "n_impostor": n_impostor,
        "colourfr": {"fmr": ours.fmr, "fnmr": ours.fnmr, "threshold": ours.threshold},
        "pyeer_fmr1000": {
            "fmr": float(fmr[index]),
            "fnmr": float(stats.fmr1000),
            "threshold": float(stats.fmr1000_th),
        },
    }


def measure_eer_definitions(
    total: int = 100_000, genuine_mean: float = 0.45, seed: int = 0
) -> dict[str, Any]:
    """colourfr's EER (linear interpolation between the two operating points that bracket
    the FMR = FNMR crossing) vs pyeer's (FVC2000: mean of FMR and FNMR at one bracketing
    point, with the interval [min, max] of the two there). With genuine N(0.45, 0.12) the
    two distributions barely overlap and the crossing falls on a vertical step of the curve
    (FMR constant while FNMR drops), where the definitions disagree."""
    from colourfr.metrics import _equal_error_rate_from_curve, equal_error_rate, error_curve

    get_eer_stats = _import_pyeer()
    genuine, impostor = synthetic_scores(total, seed=seed, genuine_mean=genuine_mean)
    ours = equal_error_rate(genuine, impostor)
    reference = _equal_error_rate_from_curve(genuine, impostor)
    stats = get_eer_stats(genuine, impostor, ds_scores=True)
    curve = error_curve(genuine, impostor)
    diff = curve.fmr - curve.fnmr
    crossing = int(np.argmax(diff >= 0.0))
    bracket = [
        {
            "threshold": float(curve.thresholds[i]),
            "fmr": float(curve.fmr[i]),
            "fnmr": float(curve.fnmr[i]),
        }
        for i in (max(crossing - 1, 0), crossing)
    ]
    return {
        "tool": "eer-definitions",
        "total": total,
        "seed": seed,
        "genuine_mean": genuine_mean,
        "n_genuine": int(genuine.size),
        "n_impostor": int(impostor.size),
        "genuine_above_min_impostor": int((genuine >= impostor.min()).sum()),
        "eer_colourfr": ours,
        "eer_colourfr_full_curve": reference,
        "eer_pyeer": float(stats.eer),
        "eer_pyeer_interval": [float(stats.eer_low), float(stats.eer_high)],
        "bracketing_points": bracket,
    }


def _child(args: list[str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "one", *args], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("one")
    one.add_argument(
        "what", choices=["ours", "pyeer", "stream", "exact", "design", "eer-definitions"]
    )
    one.add_argument("total", type=int)
    one.add_argument("--block", type=int, default=10_000_000)
    one.add_argument("--genuine-mean", type=float, default=0.45)
    one.add_argument("--seed", type=int, default=0)
    eer = sub.add_parser(
        "eer-definitions",
        help="colourfr vs pyeer EER where the curves cross on a step (genuine N(0.45, 0.12))",
    )
    eer.add_argument("--total", type=int, default=100_000)
    eer.add_argument("--genuine-mean", type=float, default=0.45)
    eer.add_argument("--seed", type=int, default=0)
    eer.add_argument("--out", type=Path)
    eer.add_argument(
        "--merge", action="store_true", help="replace matching entries of an existing --out file"
    )
    for name in ("compare", "stream", "all"):
        p = sub.add_parser(name)
        p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
        p.add_argument("--total", type=int, default=1_000_000_000)
        p.add_argument("--block", type=int, default=10_000_000)
        p.add_argument("--out", type=Path)
        p.add_argument(
            "--tools",
            nargs="*",
            default=["ours", "pyeer"],
            help="which side of the comparison to (re)run",
        )
        p.add_argument(
            "--merge",
            action="store_true",
            help="replace matching entries of an existing --out file",
        )
    args = parser.parse_args()
    if args.command == "one":
        runner = {
            "ours": lambda: measure_ours(args.total),
            "pyeer": lambda: measure_pyeer(args.total),
            "stream": lambda: measure_stream(args.total, args.block),
            "exact": lambda: measure_stream_exactness(args.total, args.block),
            "design": lambda: measure_design_difference(),
            "eer-definitions": lambda: measure_eer_definitions(
                args.total, args.genuine_mean, args.seed
            ),
        }
        print(json.dumps(runner[args.what]()))
        return
    results: list[dict[str, Any]] = []
    if args.command == "eer-definitions":
        results.append(
            _child(
                [
                    "eer-definitions",
                    str(args.total),
                    "--genuine-mean",
                    str(args.genuine_mean),
                    "--seed",
                    str(args.seed),
                ]
            )
        )
        print(json.dumps(results[-1]), flush=True)
    if args.command in ("compare", "all"):
        for size in args.sizes:
            for what in args.tools:
                results.append(_child([what, str(size)]))
                print(json.dumps(results[-1]), flush=True)
        results.append(_child(["exact", str(max(args.sizes)), "--block", "1000003"]))
        print(json.dumps(results[-1]), flush=True)
        results.append(_child(["design", "0"]))
        print(json.dumps(results[-1]), flush=True)
        results.append(_child(["eer-definitions", "100000"]))
        print(json.dumps(results[-1]), flush=True)
    if args.command in ("stream", "all"):
        results.append(_child(["stream", str(args.total), "--block", str(args.block)]))
        print(json.dumps(results[-1]), flush=True)
    if args.out:
        if args.merge and args.out.exists():
            fresh = {(r["tool"], r["total"]) for r in results}
            kept = [
                r for r in json.loads(args.out.read_text()) if (r["tool"], r["total"]) not in fresh
            ]
            results = kept + results
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
