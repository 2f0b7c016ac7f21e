"""Throughput of the quality estimators: images/s batched versus one image at a time.

Faces are LFW deep-funneled images (../shared) with YuNet landmarks/boxes standing in
for the recognition system's detections. FaceQnet's published weights are not
available here, so it is timed with a Keras ResNet-50 regressor of the same shape
(random weights, 224x224x3 -> 1): the compute is FaceQnet's, the scores are not.

    .venv/bin/python bench/quality/bench_quality.py --images 64 --batch 32 [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from colourfr.quality.iso29794_5 import ISO29794_5
from colourfr.quality.lightqnet import LightQNet
from colourfr.recognition.base import FaceRecord

SHARED = Path(__file__).resolve().parents[3] / "shared"
LFW = SHARED / "data" / "lfw" / "images_deepfunneled"
YUNET = SHARED / "models" / "yunet" / "yunet_s_640_640.onnx"
LIGHTQNET = SHARED / "models" / "lightqnet"


def load_faces(count: int) -> tuple[list[np.ndarray], list[FaceRecord]]:
    detector = cv2.FaceDetectorYN.create(str(YUNET), "", (250, 250))
    images, faces = [], []
    for path in sorted(LFW.glob("*/*_0001.jpg")):
        bgr = cv2.imread(str(path))
        detector.setInputSize((bgr.shape[1], bgr.shape[0]))
        _, found = detector.detect(bgr)
        if found is None:
            continue
        x, y, w, h = found[0][:4]
        images.append(np.ascontiguousarray(bgr[:, :, ::-1]))
        faces.append(
            FaceRecord(
                path.stem,
                bbox=(float(x), float(y), float(x + w), float(y + h)),
                landmarks=found[0][4:14].reshape(5, 2).astype(np.float64),
            )
        )
        if len(images) == count:
            break
    return images, faces


def resnet50_standin(directory: str) -> str:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    backbone = keras.applications.ResNet50(
        weights=None, include_top=False, pooling="avg", input_shape=(224, 224, 3)
    )
    model = keras.Model(backbone.input, keras.layers.Dense(1)(backbone.output))
    path = os.path.join(directory, "resnet50_standin.h5")
    model.save(path)
    return path


def throughput(score: Callable, images: list, faces: list, batch: int, repeats: int) -> float:
    """Best-of-``repeats`` images/s scoring all images in chunks of ``batch``."""
    score(images[:batch], faces[:batch])  # warm-up (graph building, allocation)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, len(images), batch):
            score(images[i : i + batch], faces[i : i + batch])
        best = min(best, time.perf_counter() - start)
    return len(images) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-faceqnet", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--json",
        type=Path,
        default=Path(__file__).with_name("results.json"),
        help="where to write the measured figures",
    )
    args = parser.parse_args()
    if not (LFW.is_dir() and YUNET.is_file() and LIGHTQNET.is_dir()):
        print("needs ../shared (LFW, YuNet, LightQNet)", file=sys.stderr)
        return 1
    images, faces = load_faces(args.images)
    estimators: dict[str, Callable] = {}
    for variant in ("dm100", "dm050", "dm025"):
        model = LightQNet(variant=variant, model_path=str(LIGHTQNET / f"lightqnet-{variant}.pb"))
        estimators[f"lightqnet-{variant}"] = model.score
    estimators["iso29794-5"] = ISO29794_5().score
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_faceqnet:
            from colourfr.quality.faceqnet import FaceQnet

            standin = FaceQnet(model_path=resnet50_standin(tmp), predict_batch_size=args.batch)
            estimators["faceqnet (ResNet-50 stand-in)"] = standin.score
        rows = []
        for name, score in estimators.items():
            single = throughput(score, images, faces, 1, args.repeats)
            batched = throughput(score, images, faces, args.batch, args.repeats)
            rows.append((name, single, batched))
            print(
                f"{name}: {single:.1f} img/s one at a time, {batched:.1f} img/s batch {args.batch}",
                file=sys.stderr,
            )
    record = {
        "images": len(images),
        "batch": args.batch,
        "repeats": args.repeats,
        "images_per_s": {
            name: {"one_at_a_time": single, f"batch_{args.batch}": batched}
            for name, single, batched in rows
        },
        "opencv": cv2.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
    }
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    if args.markdown:
        print(f"| estimator | one at a time (img/s) | batch {args.batch} (img/s) | speed-up |")
        print("|---|---:|---:|---:|")
        for name, single, batched in rows:
            print(f"| {name} | {single:.1f} | {batched:.1f} | {batched / single:.2f}x |")
        print(
            f"\n{len(images)} LFW images, best of {args.repeats}; {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} logical CPUs (shared), OpenCV {cv2.__version__}."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
