"""Identification at scale: colourfr's blockwise searches against pyeer's CMC.

    pip install --target build/pyeer pyeer==0.5.6     # not part of the lock
    PYTHONPATH=build/pyeer .venv/bin/python bench/identification/bench_cmc.py \\
        --out bench/identification/cmc.json

Synthetic galleries of G references (one per subject) and P = G mated probes with D-dim
embeddings (mates closer than non-mates on average, continuous scores: no ties, so the
tie rules cannot differ). Each (method, size) runs in a fresh process; peak RSS above the
process's RSS before the computation, wall time of the computation alone.

- colourfr: ``colourfr.identification.search_table`` from the embeddings (the workflow's
  path: blocks of at most 2^23 probe x reference scores, never the P x G matrix), then
  the CMC.
- pyeer: ``pyeer.cmc_stats.get_cmc_curve`` on the score dictionary it loads from its
  files, built in memory (every query's candidate list sorted by score), as its
  ``load_scores_from_file`` would: the naive way a user would do it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def embeddings(gallery: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(gallery, dim))
    references = centres + rng.normal(scale=0.9, size=centres.shape)
    probes = centres + rng.normal(scale=0.9, size=centres.shape)
    return references.astype(np.float32), probes.astype(np.float32)


def child(method: str, gallery: int, dim: int, max_rank: int) -> dict[str, object]:
    from colourfr.comparison import EmbeddingSet
    from colourfr.identification import closed_set, search_table
    from colourfr.metrics.identification import cmc

    refs, probes = embeddings(gallery, dim)
    subjects = [f"s{i}" for i in range(gallery)]
    reference_set = EmbeddingSet.build(
        [f"r{i}" for i in range(gallery)], subjects, refs, [None] * gallery
    )
    probe_set = EmbeddingSet.build(
        [f"p{i}" for i in range(gallery)], subjects, probes, [None] * gallery
    )
    baseline = rss_bytes()
    started = time.perf_counter()
    if method == "colourfr":
        curve = cmc(closed_set(search_table(reference_set, probe_set, set())), max_rank)
        values = [float(v) for v in curve]
    else:
        from pyeer.cmc_stats import get_cmc_curve

        ref_unit, probe_unit = reference_set.unit_rows(), probe_set.unit_rows()
        scores = {}
        for block in range(0, gallery, 1024):
            part = 1.0 - probe_unit[block : block + 1024] @ ref_unit.T
            for offset, row in enumerate(part):
                query = f"p{block + offset}"
                candidates = sorted(zip((f"r{j}" for j in range(gallery)), row.tolist()),
                                    key=lambda item: item[1])  # fmt: skip
                scores[query] = ([f"r{block + offset}"], candidates)
        values = [float(v) for v in get_cmc_curve(scores, max_rank)]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": round(seconds, 2), "peak_mb": round((peak - baseline) / 2**20, 1),
            "cmc": values}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", nargs=4)
    parser.add_argument("--colourfr-sizes", default="1000,3162,10000")
    parser.add_argument("--pyeer-sizes", default="1000,3162")
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--max-rank", type=int, default=20)
    args = parser.parse_args()
    if args.child:
        method, gallery, dim, max_rank = args.child
        print(json.dumps(child(method, int(gallery), int(dim), int(max_rank))))
        return
    rows = []
    for method, sizes in (("colourfr", args.colourfr_sizes), ("pyeer", args.pyeer_sizes)):
        for gallery in map(int, sizes.split(",")):
            result = subprocess.run(
                [sys.executable, __file__, "--child", method, str(gallery), str(args.dim),
                 str(args.max_rank)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            row = {"method": method, "gallery": gallery, "scores": gallery * gallery,
                   **json.loads(result.stdout.splitlines()[-1])}  # fmt: skip
            print({k: v for k, v in row.items() if k != "cmc"}, flush=True)
            rows.append(row)
    agree = []
    for row in rows:
        if row["method"] != "pyeer":
            continue
        ours = next(r for r in rows if r["method"] == "colourfr" and r["gallery"] == row["gallery"])
        agree.append({"gallery": row["gallery"],
                      "max_abs_cmc_difference": max(abs(a - b) for a, b in zip(ours["cmc"], row["cmc"]))})  # fmt: skip
    print(agree)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"rows": rows, "agreement": agree}, indent=1) + "\n")


if __name__ == "__main__":
    main()
