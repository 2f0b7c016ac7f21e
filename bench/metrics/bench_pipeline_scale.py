"""LFW-scale pipeline path: blockwise comparison, score file I/O, evaluation, bootstrap.

Synthetic 512-d embeddings for the paper protocol's LFW size (1,680 references, 7,484
probes, 50 probe failures): all-vs-all with impostors gives 1.26e7 rows, like scenario 1.

    python bench/metrics/bench_pipeline_scale.py --replicates 100 --out bench/metrics/pipeline.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from colourfr.comparison import EmbeddingSet, compare_all
from colourfr.metrics import GenuineSample, _BootstrapModel
from colourfr.metrics.scenario_tables import evaluate_frames
from colourfr.scores import read_scores, write_scores


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synthetic_embedding_sets(
    references: int, probes: int, dim: int, rng: np.random.Generator, failed_probes: int = 50
) -> tuple[EmbeddingSet, EmbeddingSet]:
    """One reference per subject, probes of random subjects, ``failed_probes`` probes
    without a face (NaN embedding). Also used by ``bench_cli_stream.py``."""
    subjects = np.array([f"subject{i:05d}" for i in range(references)])
    probe_subjects = subjects[rng.integers(0, references, probes)]
    centres = rng.normal(size=(references, dim)).astype(np.float32)
    ref_matrix = centres + 0.8 * rng.normal(size=centres.shape).astype(np.float32)
    probe_matrix = centres[np.searchsorted(subjects, probe_subjects)]
    probe_matrix = probe_matrix + 0.8 * rng.normal(size=probe_matrix.shape).astype(np.float32)
    failures: list[str | None] = [None] * probes
    for k in rng.choice(probes, failed_probes, replace=False):
        failures[k] = "no_face"
        probe_matrix[k] = np.nan
    refs = EmbeddingSet.build(
        [f"r{i}" for i in range(references)], subjects.tolist(), ref_matrix, [None] * references
    )
    probe_set = EmbeddingSet.build(
        [f"p{i}" for i in range(probes)], probe_subjects.tolist(), probe_matrix, failures
    )
    return refs, probe_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--references", type=int, default=1680)
    parser.add_argument("--probes", type=int, default=7484)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    refs, probes = synthetic_embedding_sets(args.references, args.probes, args.dim, rng)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    frame = compare_all(refs, probes, impostors=True)
    timings["compare_s"] = time.perf_counter() - start
    rows = len(frame)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s1.parquet"
        start = time.perf_counter()
        write_scores(frame, path)
        timings["write_s"] = time.perf_counter() - start
        timings["file_mb"] = path.stat().st_size / 2**20
        del frame
        timings["peak_after_compare_write_mb"] = _peak_mb()
        start = time.perf_counter()
        scores = read_scores(path)
        timings["read_validate_s"] = time.perf_counter() - start
    start = time.perf_counter()
    evaluate_frames({"s1": scores}, scores, "s1", [0.001, 0.01, 0.0001])
    timings["evaluate_s"] = time.perf_counter() - start
    impostors = scores.loc[~scores["genuine"]]
    genuine = scores.loc[scores["genuine"]]
    start = time.perf_counter()
    model = _BootstrapModel(
        {"s1": GenuineSample(genuine["score"].to_numpy(), genuine["probe_subject"])},
        impostors["score"].to_numpy(),
        impostors["reference_subject"],
        impostors["probe_subject"],
        [0.001, 0.01, 0.0001],
    )
    timings["bootstrap_setup_s"] = time.perf_counter() - start
    n = len(model.subjects)
    start = time.perf_counter()
    for _ in range(args.replicates):
        model.replicate(np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64))
    timings["bootstrap_per_replicate_s"] = (time.perf_counter() - start) / args.replicates
    timings["peak_total_mb"] = _peak_mb()
    result = {
        "rows": rows,
        "references": args.references,
        "probes": args.probes,
        "dim": args.dim,
        "failed_probes": 50,
        "replicates": args.replicates,
        **timings,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": list(os.getloadavg()),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
