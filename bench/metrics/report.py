"""Render bench/metrics/*.json as the Markdown of docs/benchmarks.md's Metrics section.

python bench/metrics/report.py                      # all three parts below
python bench/metrics/report.py --part metrics       # results.json (bench_metrics.py)
python bench/metrics/report.py --part pipeline      # pipeline.json (bench_pipeline_scale.py)
python bench/metrics/report.py --part cli-stream    # cli_stream.json (bench_cli_stream.py)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main(path: Path) -> None:
    results = json.loads(path.read_text())
    by = {(r["tool"], r["total"]): r for r in results}
    sizes = sorted({r["total"] for r in results if r["tool"] in ("colourfr", "pyeer")})
    print("| scores | tool | time (s) | tracemalloc peak (MiB) | process peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    for size in sizes:
        for tool in ("colourfr", "pyeer"):
            r = by.get((tool, size))
            if r:
                print(
                    f"| {size:.0e} | {tool} | {r['seconds']:.2f} | {r['tracemalloc_peak_mb']:.0f}"
                    f" | {r['maxrss_mb']:.0f} |"
                )
    print()
    print(
        "| scores | FMR target | colourfr threshold (accept <) | pyeer threshold read with the"
        " rule (accept <=) | FNMR colourfr | FNMR pyeer (rule) | FNMR pyeer FMR1000/FMR100 |"
    )
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        ours, theirs = by.get(("colourfr", size)), by.get(("pyeer", size))
        if not (ours and theirs):
            continue
        for target, point in ours["operating_points"].items():
            rule = theirs["our_rule_on_pyeer_curve"][target]
            native = {"0.001": theirs["fmr1000_fnmr"], "0.01": theirs["fmr100_fnmr"]}.get(target)
            print(
                f"| {size:.0e} | {float(target):g} | {point['threshold']:.10f} |"
                f" {rule['threshold_inclusive']:.10f} | {point['fnmr']:.5f} | {rule['fnmr']:.5f} |"
                f" {'' if native is None else f'{native:.5f}'} |"
            )
    print()
    print("| scores | d' colourfr | d' pyeer | EER colourfr | EER pyeer [interval] |")
    print("|---|---|---|---|---|")
    for size in sizes:
        ours, theirs = by.get(("colourfr", size)), by.get(("pyeer", size))
        if ours and theirs:
            low, high = theirs["eer_interval"]
            print(
                f"| {size:.0e} | {ours['d_prime']:.12f} | {theirs['d_prime']:.12f} |"
                f" {ours['eer']:.6f} | {theirs['eer']:.6f} [{low:.6f}, {high:.6f}] |"
            )
    stream = [r for r in results if r["tool"] == "colourfr-streaming"]
    for r in stream:
        print()
        print(
            f"Streaming: {r['total']:.0e} impostor scores (float32, blocks of {r['block']:.0e},"
            f" generated on the fly): {r['seconds_total']:.0f} s in all, of which"
            f" {r['seconds_selection_only']:.0f} s selection; peak RSS {r['maxrss_mb']:.0f} MiB"
            f" ({r['maxrss_before_mb']:.0f} MiB before the first block); kept"
            f" {r['kept_mb']:.1f} MiB = floor(0.01 * 1e9) + 1 scores."
        )
        print()
        print("| FMR target | threshold | achieved FMR | 0.98 + 0.05 * Phi^-1(FMR) |")
        print("|---|---|---|---|")
        for target, t in r["thresholds"].items():
            print(
                f"| {float(target):g} | {t['threshold']:.6f} | {t['achieved_fmr']:.7f} |"
                f" {t['normal_quantile']:.6f} |"
            )
    for r in (r for r in results if r["tool"] == "design-difference"):
        ours, theirs = r["colourfr"], r["pyeer_fmr1000"]
        print()
        print(
            f"By design: with {r['n_impostor']} impostors the reachable FMRs next to 0.1 % are"
            f" 1/{r['n_impostor']} and 2/{r['n_impostor']}. colourfr (never above the target):"
            f" achieved FMR {ours['fmr']:.5f}, FNMR {ours['fnmr']:.4f}; pyeer FMR1000 (closest"
            f" FMR): FMR {theirs['fmr']:.5f} (above the target), FNMR {theirs['fnmr']:.4f}."
        )
    exact = [r for r in results if r["tool"] == "stream-vs-memory"]
    for r in exact:
        print()
        print(
            f"Streaming vs in-memory thresholds on {r['total']:.0e} scores identical: {r['identical']}."
        )
    for r in (r for r in results if r["tool"] == "eer-definitions"):
        low, high = r["eer_pyeer_interval"]
        before, at = r["bracketing_points"]
        print()
        print(
            f"EER definitions: {r['total']:.0e} scores, genuine N({r['genuine_mean']:g}, 0.12)"
            f" (seed {r['seed']}; {r['n_genuine']} genuine, {r['n_impostor']} impostors,"
            f" {r['genuine_above_min_impostor']} genuine scores at or above the lowest"
            f" impostor): EER colourfr {r['eer_colourfr']:.6f} (full-curve reference"
            f" {r['eer_colourfr_full_curve']:.6f}), pyeer {r['eer_pyeer']:.6f}"
            f" [{low:.6f}, {high:.6f}]. Bracketing points (accept <): t = {before['threshold']:.7f}"
            f" FMR {before['fmr']:.6f} FNMR {before['fnmr']:.6f}; t = {at['threshold']:.7f}"
            f" FMR {at['fmr']:.6f} FNMR {at['fnmr']:.6f}."
        )


def _mib(mb: float) -> str:
    return f"{mb:.0f} MiB ({mb / 1024:.2f} GiB)"


def pipeline(path: Path) -> None:
    r = json.loads(path.read_text())
    replicates = r.get("replicates")
    per = r["bootstrap_per_replicate_s"]
    extra = []
    if "dim" in r:
        extra.append(f"{r['dim']}-d embeddings, {r['failed_probes']} probe failures")
    if "load_average_at_end" in r:
        extra.append(
            f"{r['cpu_count']} CPUs, load average {r['load_average_at_end'][0]:.1f} at the end"
        )
    print(
        f"{r['references']:,} references x {r['probes']:,} probes, all-vs-all with impostors ="
        f" {r['rows']:,} score rows" + (f" ({'; '.join(extra)})." if extra else ".")
    )
    print()
    print("| step | value |")
    print("|---|---|")
    print(f"| blockwise comparison | {r['compare_s']:.1f} s |")
    print(
        f"| Parquet write (ids dictionary-encoded) | {r['write_s']:.1f} s, {r['file_mb']:.0f} MiB |"
    )
    print(f"| read + validation | {r['read_validate_s']:.1f} s |")
    print(f"| evaluation at three FMR targets | {r['evaluate_s']:.1f} s |")
    print(f"| subject bootstrap set-up | {r['bootstrap_setup_s']:.1f} s |")
    print(
        f"| per bootstrap replicate ({'mean of ' + str(replicates) if replicates else 'mean'})"
        f" | {per:.3f} s (x 1,000 = {1000 * per:.0f} s) |"
    )
    print(f"| peak RSS after comparison + write | {_mib(r['peak_after_compare_write_mb'])} |")
    print(f"| peak RSS, whole run | {_mib(r['peak_total_mb'])} |")


def cli_stream(path: Path) -> None:
    r = json.loads(path.read_text())
    built: dict[str, Any] = r["score_file"]
    rows = built.get("rows")
    print(
        f"Score file: {rows:,} rows ({built.get('genuine_rows', 0):,} genuine), Parquet"
        f" {r['file_mb']:.0f} MiB, built in {built.get('build_s', float('nan')):.1f} s."
        if rows
        else f"Score file: reused {built['path']} ({r['file_mb']:.0f} MiB)."
    )
    print(
        f"FMR target {r['fmr_target']:g}, {r['repeats']} repeats per mode, each a fresh process;"
        f" {r['cpu_count']} CPUs, load average {r['load_average_at_end'][0]:.1f} at the end."
    )
    print()
    print(
        "| mode | command | wall time, median [min, max] (s) | user + sys CPU, median (s) | peak RSS, max over repeats |"
    )
    print("|---|---|---|---|---|")
    for mode, summary in r["summary"].items():
        cpu = sorted(x["user_s"] + x["sys_s"] for x in r["runs"] if x["mode"] == mode)
        print(
            f"| {mode} | `{r['commands'][mode]}` | {summary['wall_s_median']:.1f}"
            f" [{summary['wall_s_min']:.1f}, {summary['wall_s_max']:.1f}] |"
            f" {cpu[len(cpu) // 2]:.1f} | {_mib(summary['maxrss_mb_max'])} |"
        )
    a = r["agreement"]
    f = a["fields"]
    memory, stream = r["outputs"]["memory"][0], r["outputs"]["stream"][0]
    print()
    print(
        f"Threshold, FMR, FTA, FNMR, FRR identical: {a['threshold_fmr_fta_fnmr_frr_identical']}"
        f" (threshold {memory['threshold']:.10f}, FMR {memory['fmr']:.7f}, FTA {memory['fta']:.6f},"
        f" FNMR {memory['fnmr']:.6f}, FRR {memory['frr']:.6f}); counts identical:"
        f" {a['counts_identical']}; d' {memory['d_prime']:.12f} vs {stream['d_prime']:.12f}"
        f" (relative difference {a['d_prime_max_rel_diff']:.1e}); EER in memory"
        f" {memory['eer']:.6f}, streamed: {stream['eer'] if stream['eer'] is not None else 'none'}"
        f" (note: {stream['note'] or 'none'})."
        + ("" if f["eer"]["identical"] or stream["eer"] is None else " EER differs.")
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", nargs="?", type=Path, default=HERE / "results.json")
    parser.add_argument("--pipeline", type=Path, default=HERE / "pipeline.json")
    parser.add_argument("--cli-stream", type=Path, default=HERE / "cli_stream.json")
    parser.add_argument(
        "--part", choices=("metrics", "pipeline", "cli-stream", "all"), default="all"
    )
    args = parser.parse_args()
    parts = [
        ("metrics", main, args.results),
        ("pipeline", pipeline, args.pipeline),
        ("cli-stream", cli_stream, args.cli_stream),
    ]
    first = True
    for name, render, source in parts:
        if args.part in (name, "all") and source.exists():
            if not first:
                print()
            render(source)
            first = False
