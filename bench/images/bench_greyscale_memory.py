"""Peak extra memory of the greyscale conversion per pixel: blocked (the project) vs the
whole image at once (the naive numpy way, as the project did before).

    .venv/bin/python bench/images/bench_greyscale_memory.py --out bench/images/greyscale_memory.json

tracemalloc sees numpy's allocations; the input image is allocated before tracing starts,
so the figures are what the conversion adds.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np

from colourfr import images


def measure(function, rgb: np.ndarray) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    function(rgb)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / (rgb.shape[0] * rgb.shape[1]), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = []
    for height, width in [(768, 512), (3000, 4000), (9000, 12000)]:
        rgb = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
        blocked = measure(images.rec709_luma, rgb)
        naive = measure(images._rec709_block, rgb)
        rows.append(
            {
                "size": f"{width}x{height}",
                "blocked_bytes_per_pixel": round(blocked[0], 2),
                "blocked_s": round(blocked[1], 3),
                "naive_bytes_per_pixel": round(naive[0], 2),
                "naive_s": round(naive[1], 3),
            }
        )
        print(rows[-1])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
