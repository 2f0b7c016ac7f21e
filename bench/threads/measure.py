"""Cores a recognition job keeps busy at 1 and 2 declared threads (the spec's ``threads``).

Each (plugin, threads) runs in its own process over the same LFW images (the first N of
the sorted deep-funneled set), as the workflow's embed job does (``embed_index``, batch 32),
and reports wall time, CPU time and their ratio (cores busy). A plugin whose ratio stays
at 1 at 2 threads gains nothing from the second core and declares ``threads=1``.

Usage: python bench/threads/measure.py --recogniser RES/models/mobilefacenet-arcface.onnx
Writes bench/threads/results.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1].parent / "shared"

WORKER = """
import json, sys, time
import pandas as pd
from pathlib import Path
from colourfr.registry import build
from colourfr.recognition.records import embed_index
plugin, threads, params, n = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
lfw = Path(sys.argv[5])
paths = sorted(lfw.glob("*/*.jpg"))[:n]
index = pd.DataFrame({"image_id": [p.stem for p in paths], "path": [str(p) for p in paths],
                      "status": "ok"})
system = build("recognition", plugin, params, threads=threads)
wall, cpu = time.perf_counter(), time.process_time()
embed_index(system, index, batch_size=32)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recogniser", required=True, help="MobileFaceNet ArcFace ONNX")
    parser.add_argument("--detector", default=str(SHARED / "models/scrfd/scrfd_2.5g_kps.onnx"))
    parser.add_argument("--lfw", default=str(SHARED / "data/lfw/images_deepfunneled"))
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--out", default=str(HERE / "results.json"))
    args = parser.parse_args()
    plugins = {
        "insightface-arcface": {
            "pack": "mobilefacenet-scrfd",
            "detector": args.detector,
            "recogniser": args.recogniser,
            "det_size": [640, 640],
        },
        "dlib-resnet": {},
    }
    rows = []
    for plugin, params in plugins.items():
        for threads in (1, 2):
            done = subprocess.run(
                [sys.executable, "-c", WORKER, plugin, str(threads), json.dumps(params),
                 str(args.images), args.lfw],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            row = {"plugin": plugin, "threads": threads, **json.loads(done.stdout.splitlines()[-1])}
            row["cores_busy"] = round(row["cpu_s"] / row["wall_s"], 2)
            row["images_per_s"] = round(args.images / row["wall_s"], 2)
            rows.append(row)
            print(row, flush=True)
    Path(args.out).write_text(
        json.dumps({"machine": platform.processor() or platform.machine(), "images": args.images,
                    "rows": rows}, indent=2) + "\n"
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
