"""Render bench/metrics/results.json as the Markdown tables of docs/benchmarks.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path


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


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json"))
