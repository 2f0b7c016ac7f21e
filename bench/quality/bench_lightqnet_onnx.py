"""LightQNet through the project's ONNX conversion vs TensorFlow on the frozen graph.

For each variant: conversion time of the frozen graph to ONNX, per-face inference time
(batch of 32) with onnxruntime and with TensorFlow, and the largest score difference over
200 LFW faces aligned as the estimator aligns them (SCRFD-2.5G landmarks).

    .venv/bin/python bench/quality/bench_lightqnet_onnx.py --out bench/quality/lightqnet_onnx.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def aligned_faces(n: int) -> np.ndarray:
    import insightface.model_zoo as zoo

    from colourfr.images import read_rgb
    from colourfr.quality.lightqnet import LightQNet
    from colourfr.recognition.base import FaceRecord

    scrfd = zoo.get_model(str(SHARED / "models/scrfd/scrfd_2.5g_kps.onnx"))
    scrfd.prepare(0, input_size=(640, 640), det_thresh=0.5)
    estimator = LightQNet(model_path=str(SHARED / "models/lightqnet/lightqnet-dm100.pb"))

    faces = []
    paths = sorted((SHARED / "data/lfw/images_deepfunneled").glob("*/*.jpg"))
    for path in paths[:: max(1, len(paths) // (3 * n))]:
        rgb = read_rgb(path)
        boxes, kps = scrfd.detect(rgb[:, :, ::-1].copy(), max_num=1)
        if len(boxes):
            faces.append(estimator.prepare(rgb, FaceRecord(path.stem, landmarks=kps[0])))
        if len(faces) == n:
            break
    return np.stack(faces)


def per_face_seconds(run, batch: np.ndarray, repeats: int = 5) -> float:
    run(batch[:32])  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        for begin in range(0, len(batch), 32):
            run(batch[begin : begin + 32])
    return (time.perf_counter() - start) / (repeats * len(batch))


def main() -> None:
    import tensorflow as tf

    from colourfr.quality.lightqnet import LightQNet, normalise
    from colourfr.quality.lightqnet_import import convert_lightqnet

    parser = argparse.ArgumentParser()
    parser.add_argument("--faces", type=int, default=200)
    parser.add_argument("--out", type=Path, default=REPO / "bench/quality/lightqnet_onnx.json")
    args = parser.parse_args()
    faces = aligned_faces(args.faces)
    results = {"faces": len(faces), "machine": platform.processor() or platform.machine(),
               "tensorflow": tf.__version__, "variants": {}}  # fmt: skip
    for variant in ("dm100", "dm050", "dm025"):
        graph_file = SHARED / f"models/lightqnet/lightqnet-{variant}.pb"
        start = time.perf_counter()
        convert_lightqnet(graph_file)
        convert_s = time.perf_counter() - start
        model = LightQNet(variant=variant, model_path=str(graph_file), threads=2)
        graph_def = tf.compat.v1.GraphDef()
        graph_def.ParseFromString(graph_file.read_bytes())
        graph = tf.Graph()
        with graph.as_default():
            tf.compat.v1.import_graph_def(graph_def, name="")
        session = tf.compat.v1.Session(graph=graph)

        def tensorflow(batch: np.ndarray, session=session) -> np.ndarray:
            return session.run("confidence_st:0", {"input:0": normalise(batch)}).reshape(-1)

        ours, reference = model.predict(faces), tensorflow(faces)
        results["variants"][variant] = {
            "convert_s": round(convert_s, 3),
            "onnxruntime_ms_per_face": round(1e3 * per_face_seconds(model.predict, faces), 3),
            "tensorflow_ms_per_face": round(1e3 * per_face_seconds(tensorflow, faces), 3),
            "max_abs_diff": float(np.abs(ours - reference).max()),
            "score_range": [float(reference.min()), float(reference.max())],
        }
        session.close()
        print(variant, results["variants"][variant])
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
