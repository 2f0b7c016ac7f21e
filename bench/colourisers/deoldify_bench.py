"""Throughput of the batched DeOldify path vs the original one-image-at-a-time path.

Both paths use this project's re-implementation, which reproduces the original outputs
(tests/test_deoldify.py); "one at a time" is the original's control flow (one image: resize,
normalise, forward with batch 1, post-process), "batched" stacks the square network inputs
of ``--batch-size`` images into one forward. Weights: the fixtures' deterministic fill rule
(speed does not depend on the values). Images: LFW deep-funneled faces turned into Rec. 709
grey, as the workflow feeds them.

    .venv/bin/python bench/colourisers/deoldify_bench.py --write-docs

writes ``bench/colourisers/deoldify_results.json`` and the ``## Colourisers (DeOldify)``
section of docs/benchmarks.md (replacing only that section).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from colourfr.colourisers.deoldify import pipeline
from colourfr.colourisers.deoldify.fillrule import filled_state_dict
from colourfr.colourisers.deoldify.unet import ARTISTIC, STABLE, DeOldifyUnet
from colourfr.images import read_rgb, rec709_luma

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures" / "deoldify"
LFW = SHARED / "data" / "lfw" / "images_deepfunneled"
RESULTS = Path(__file__).with_name("deoldify_results.json")
DOCS = REPO / "docs" / "benchmarks.md"
SECTION = "## Colourisers (DeOldify)"


def _dana() -> torch.nn.Module:
    from colourfr.colourisers.deoldify.dana import build_dana_generator

    return build_dana_generator(2)


# generator -> (network builder, fixture manifest for the fill rule, image path)
CASES: dict[str, tuple[Callable[[], torch.nn.Module], str, str]] = {
    "artistic": (lambda: DeOldifyUnet(ARTISTIC), "manifest_artistic.tsv", "jantic"),
    "stable": (lambda: DeOldifyUnet(STABLE), "manifest_stable.tsv", "jantic"),
    "dana": (_dana, "manifest_dana.tsv", "dana"),
}


def lfw_greys(count: int) -> list[np.ndarray]:
    files = sorted(LFW.glob("*/*.jpg"))
    if not files:
        raise SystemExit(f"no LFW images under {LFW}")
    step = max(1, len(files) // count)
    return [rec709_luma(read_rgb(path)) for path in files[::step][:count]]


def load(name: str, device: torch.device) -> torch.nn.Module:
    build, manifest, _ = CASES[name]
    with torch.device("meta"):
        model = build()
    model.load_state_dict(filled_state_dict(FIXTURES / manifest), strict=True, assign=True)
    return model.to(device).eval()


def timed(run: Callable[[], list[np.ndarray]], repeats: int) -> tuple[float, list[np.ndarray]]:
    best = float("inf")
    outputs: list[np.ndarray] = []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        outputs = run()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best, outputs


def bench_case(
    name: str,
    render_factor: int,
    images: list[np.ndarray],
    batch_size: int,
    device: torch.device,
    fp16: bool,
    repeats: int,
) -> dict[str, Any]:
    model = load(name, device)
    path = CASES[name][2]
    one, many = pipeline.colourise_image, pipeline.colourise_batch
    # warm-up (allocator, oneDNN/cuDNN algorithm choice) on one image
    one(model, images[0], render_factor, path=path, fp16=fp16)
    single_s, single = timed(
        lambda: [one(model, im, render_factor, path=path, fp16=fp16) for im in images], repeats
    )
    batched_s, batched = timed(
        lambda: many(model, images, render_factor, path=path, batch_size=batch_size, fp16=fp16),
        repeats,
    )
    diff = max(int(np.abs(a.astype(int) - b.astype(int)).max()) for a, b in zip(single, batched))
    return {
        "generator": name,
        "render_factor": render_factor,
        "network_input": f"{16 * render_factor}x{16 * render_factor}",
        "images": len(images),
        "batch_size": batch_size,
        "device": str(device),
        "fp16": fp16,
        "one_at_a_time_images_per_s": len(images) / single_s,
        "batched_images_per_s": len(images) / batched_s,
        "speed_up": single_s / batched_s,
        "max_abs_diff_batched_vs_single": diff,
    }


def markdown(results: dict[str, Any]) -> str:
    env = results["environment"]
    lines = [
        SECTION,
        "",
        (
            "`bench/colourisers/deoldify_bench.py --write-docs`: images/s of the batched DeOldify path "
            "(`colourise_batch`: the square network inputs of several faces in one forward) "
            "against the original one-image-at-a-time control flow (`colourise_image`: batch 1), "
            "both with this project's plain-PyTorch generators, which reproduce the original outputs "
            "bit-exactly in float32 (tests/test_deoldify.py). Weights: the fixtures' fill rule "
            "(speed does not depend on the values). Images: LFW deep-funneled faces (250x250) in "
            f"Rec. 709 grey. Best of {results['repeats']} runs after one warm-up image. "
            f"{env['device_note']}; torch {env['torch']}, {env['threads']} threads."
        ),
        "",
        "| generator | RF (net input) | images | batch | device | one-at-a-time img/s | batched img/s | speed-up | max diff batched vs single |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        lines.append(
            f"| {row['generator']} | {row['render_factor']} ({row['network_input']}) | "
            f"{row['images']} | {row['batch_size']} | {row['device']}{' fp16' if row['fp16'] else ''} | "
            f"{row['one_at_a_time_images_per_s']:.3f} | {row['batched_images_per_s']:.3f} | "
            f"{row['speed_up']:.2f}x | {row['max_abs_diff_batched_vs_single']} |"
        )
    lines += [
        "",
        (
            "The max diff column is in 8-bit levels of the final RGB image: batching changes the "
            "order of float32 sums inside the convolutions (raw outputs move by ~1e-5), which can "
            "flip a uint8 truncation that the YUV round trip amplifies; the fixtures' tolerance is "
            "2-3 levels on < 0.05 % of values. The original code's own overheads (fastai data "
            "block, PIL file I/O, watermark) are not included in either column."
        ),
        "",
    ]
    return "\n".join(lines)


def write_docs(text: str) -> None:
    existing = DOCS.read_text() if DOCS.is_file() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(existing):
        updated = pattern.sub(lambda _: text + "\n", existing)
    else:
        updated = existing.rstrip("\n") + "\n\n" + text
    DOCS.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--fp16", action="store_true")
    parser.add_argument("--artistic-rf", type=int, default=16)
    parser.add_argument("--artistic-images", type=int, default=8)
    parser.add_argument("--stable-rf", type=int, default=35)
    parser.add_argument("--stable-images", type=int, default=4)
    parser.add_argument("--dana-rf", type=int, default=35)
    parser.add_argument("--dana-images", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rows = []
    for name, rf, count in (
        ("artistic", args.artistic_rf, args.artistic_images),
        ("stable", args.stable_rf, args.stable_images),
        ("dana", args.dana_rf, args.dana_images),
    ):
        if count <= 0:
            continue
        row = bench_case(
            name, rf, lfw_greys(count), args.batch_size, device, args.fp16, args.repeats
        )
        print(json.dumps(row))
        rows.append(row)
    if device.type == "cuda":
        note = f"GPU: {torch.cuda.get_device_name(0)}"
    else:
        note = (
            f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
            "shared with other jobs (timings are indicative only)"
        )
    results = {
        "rows": rows,
        "repeats": args.repeats,
        "environment": {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "device_note": note,
        },
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    if args.write_docs:
        write_docs(markdown(results))


if __name__ == "__main__":
    main()
