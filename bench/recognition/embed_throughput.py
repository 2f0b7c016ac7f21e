"""Images/s: the batched insightface-arcface path vs the naive FaceAnalysis.get loop.

Same 500 LFW images (every k-th of the sorted deep-funneled set, decoded once up
front, so decoding is not timed), same two ONNX files, CPU:

* ``naive``: ``insightface.app.FaceAnalysis`` over a model folder holding the detector
  and the recogniser, ``app.get(bgr)`` per image (one recogniser run per detected
  face, onnxruntime's default session options);
* ``naive+opts``: the same loop with this project's session options (threads, no
  spin-waiting), to separate the effect of batching from that of thread settings;
* ``batched``: ``InsightFaceArcFace.process`` on batches of 64 images (one detector
  run per image, one recogniser run per batch).

The three are interleaved in rounds of 100 images and the rate per configuration is
total images / total time, so that a shared machine's load drifts affect all alike.
The embeddings of the batched path are checked against the naive path's for the same
face (cosine similarity).

Usage: python bench/recognition/embed_throughput.py --recogniser RES/models/mobilefacenet-arcface.onnx
Writes bench/recognition/embed_throughput_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
LFW = ROOT.parent / "shared" / "data" / "lfw" / "images_deepfunneled"
OUT = Path(__file__).resolve().parent / "embed_throughput_results.json"


def sample_images(count: int) -> list[Path]:
    paths = sorted(LFW.glob("*/*.jpg"))
    step = max(1, len(paths) // count)
    return paths[::step][:count]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--detector", default=str(ROOT.parent / "shared/models/scrfd/scrfd_2.5g_kps.onnx")
    )
    parser.add_argument("--recogniser", required=True)
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--round", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from insightface.app import FaceAnalysis

    from colourfr.images import read_rgb
    from colourfr.recognition.insightface_arcface import InsightFaceArcFace, session_options
    from colourfr.recognition.selection import choose_face

    paths = sample_images(args.images)
    rgb = [read_rgb(p) for p in paths]
    bgr = [np.ascontiguousarray(image[:, :, ::-1]) for image in rgb]
    ids = [p.stem for p in paths]

    model_dir = Path(tempfile.mkdtemp(prefix="facepack-"))
    # FaceAnalysis loads every *.onnx of a folder and keeps one model per task.
    os.symlink(os.path.abspath(args.detector), model_dir / "det.onnx")
    os.symlink(os.path.abspath(args.recogniser), model_dir / "rec.onnx")
    cpu = ["CPUExecutionProvider"]
    naive = FaceAnalysis(name=str(model_dir), providers=cpu)
    naive.prepare(ctx_id=0, det_size=(640, 640), det_thresh=0.5)
    naive_opts = FaceAnalysis(
        name=str(model_dir), providers=cpu, sess_options=session_options(args.threads)
    )
    naive_opts.prepare(ctx_id=0, det_size=(640, 640), det_thresh=0.5)
    batched = InsightFaceArcFace(
        detector=args.detector,
        recogniser=args.recogniser,
        det_size=(640, 640),
        det_thresh=0.5,
        device="cpu",
        threads=args.threads,
        selection_rule="largest_central",
    )

    seconds = {"naive": 0.0, "naive+opts": 0.0, "batched": 0.0}
    naive_faces: list[list] = []  # type: ignore[type-arg]
    batched_rows: list[np.ndarray] = []
    for start in range(0, len(rgb), args.round):
        stop = min(start + args.round, len(rgb))
        for name, app in (("naive", naive), ("naive+opts", naive_opts)):
            t0 = time.perf_counter()
            faces = [app.get(image) for image in bgr[start:stop]]
            seconds[name] += time.perf_counter() - t0
            if name == "naive":
                naive_faces.extend(faces)
        t0 = time.perf_counter()
        for b in range(start, stop, args.batch):
            e = min(b + args.batch, stop)
            batched_rows.append(batched.process(rgb[b:e], ids[b:e])[1])
        seconds["batched"] += time.perf_counter() - t0
        print(
            f"{stop}/{len(rgb)}: "
            + ", ".join(f"{k} {stop / v:.2f} img/s" for k, v in seconds.items()),
            file=sys.stderr,
            flush=True,
        )

    embeddings = np.vstack(batched_rows)
    similarities = []
    for image, faces, row in zip(rgb, naive_faces, embeddings):
        if not faces or not np.isfinite(row).all():
            continue
        boxes = np.array([f.bbox for f in faces])
        chosen = faces[choose_face(boxes, image.shape, "largest_central")]
        reference = chosen.embedding / np.linalg.norm(chosen.embedding)
        similarities.append(float(reference @ row))
    rates = {name: len(rgb) / value for name, value in seconds.items()}
    result = {
        "images": len(rgb),
        "threads": args.threads,
        "batch": args.batch,
        "detector": args.detector,
        "recogniser": args.recogniser,
        "images_per_second": rates,
        "speedup_batched_vs_naive": rates["batched"] / rates["naive"],
        "naive_images_with_faces": sum(bool(f) for f in naive_faces),
        "naive_faces_embedded": sum(len(f) for f in naive_faces),
        "batched_acquired": int(np.isfinite(embeddings).all(axis=1).sum()),
        "cosine_batched_vs_naive_min": min(similarities) if similarities else None,
        "cosine_batched_vs_naive_median": float(np.median(similarities)) if similarities else None,
        "load_average_at_end": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }
    OUT.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
