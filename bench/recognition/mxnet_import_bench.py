"""Benchmark the MXNet importer on the legacy InsightFace MobileFaceNet in ../shared.

Measures conversion time (``import_mxnet_model``, median of several runs) and checks the
converted ONNX against the independent ncnn conversion of the same network on aligned LFW
faces (SCRFD-2.5G detection, insightface ``norm_crop`` 112x112): cosine between the two
embeddings per face, plus per-face inference time of both runtimes (1 thread).
Writes the ``## MXNet importer`` section of docs/benchmarks.md.

    .venv/bin/python bench/recognition/mxnet_import_bench.py [--faces 200] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np
import onnxruntime as ort

from colourfr.recognition.mxnet_import import import_mxnet_model

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
MFN = SHARED / "models" / "mobilefacenet-arcface"
SCRFD = SHARED / "models" / "scrfd" / "scrfd_2.5g_kps.onnx"
LFW_IMAGES = SHARED / "data" / "lfw" / "images_deepfunneled"
SECTION = "## MXNet importer"
BATCH = 32


def time_conversion(out: Path, repeats: int) -> tuple[float, str, int]:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = import_mxnet_model(MFN / "model-symbol.json", MFN / "model-0000.params", out)
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result.sha256, result.node_count


def lfw_sample(count: int) -> list[Path]:
    """``count`` images spread evenly over the sorted LFW list (many identities)."""
    files = sorted(LFW_IMAGES.glob("*/*.jpg"))
    picks = np.linspace(0, len(files) - 1, count).round().astype(int)
    return [files[i] for i in picks]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--faces", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--json",
        type=Path,
        default=Path(__file__).with_name("mxnet_import_results.json"),
        help="where to write the measured figures",
    )
    args = parser.parse_args()
    if not (MFN / "model-symbol.json").is_file() or not SCRFD.is_file():
        print(f"needs {MFN} and {SCRFD}", file=sys.stderr)
        return 1
    import ncnn
    from insightface.model_zoo import get_model
    from insightface.utils import face_align

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = Path(tmp) / "mobilefacenet.onnx"
        convert_s, sha256, nodes = time_conversion(onnx_path, args.repeats)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        recogniser = get_model(str(onnx_path), providers=["CPUExecutionProvider"])
        recogniser.session = session  # same routing/normalisation, 1-thread session
        detector = get_model(str(SCRFD), providers=["CPUExecutionProvider"])
        detector.prepare(ctx_id=-1, det_thresh=0.5, input_size=(640, 640))
        net = ncnn.Net()
        net.opt.num_threads = 1
        net.load_param(str(MFN / "mobilefacenet.param"))
        net.load_model(str(MFN / "mobilefacenet.bin"))

        cosines: list[float] = []
        onnx_times: list[float] = []
        ncnn_times: list[float] = []
        no_face = 0
        faces: list[np.ndarray] = []
        for path in lfw_sample(args.faces):
            image = cv2.imread(str(path))
            _, kps = detector.detect(image, max_num=1, metric="default")
            if kps is None or len(kps) == 0:
                no_face += 1
                continue
            face = face_align.norm_crop(image, kps[0], 112)
            start = time.perf_counter()
            ours = recogniser.get_feat(face).ravel()
            onnx_times.append(time.perf_counter() - start)
            rgb = np.ascontiguousarray(cv2.cvtColor(face, cv2.COLOR_BGR2RGB))
            start = time.perf_counter()
            extractor = net.create_extractor()
            extractor.input(
                "data", ncnn.Mat.from_pixels(rgb, ncnn.Mat.PixelType.PIXEL_RGB, 112, 112)
            )
            _, out = extractor.extract("fc1")
            theirs = np.array(out).ravel()
            ncnn_times.append(time.perf_counter() - start)
            cosines.append(float(ours @ theirs / np.linalg.norm(ours) / np.linalg.norm(theirs)))
            faces.append(face)

        # Batched throughput (how the recognition plugin runs), both PReLU encodings.
        relu_path = Path(tmp) / "mobilefacenet-relu.onnx"
        import_mxnet_model(
            MFN / "model-symbol.json", MFN / "model-0000.params", relu_path, prelu_mode="relu"
        )
        blob = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in faces])
        blob = blob.transpose(0, 3, 1, 2).astype(np.float32)
        throughput: dict[tuple[str, int], float] = {}
        sessions = {
            mode: ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            for mode, path in (("native", onnx_path), ("relu", relu_path))
        }
        for batch in (1, BATCH):
            for mode, batch_session in sessions.items():  # alternate: the machine is shared
                batch_session.run(None, {"data": blob[:batch]})  # warm-up
                start = time.perf_counter()
                for i in range(0, len(blob), batch):
                    batch_session.run(None, {"data": blob[i : i + batch]})
                throughput[(mode, batch)] = len(blob) / (time.perf_counter() - start)

    cos = np.array(cosines)
    gap = 1.0 - cos
    lines = [
        SECTION,
        "",
        (
            "`bench/recognition/mxnet_import_bench.py`: the project's own MXNet -> ONNX "
            "importer (`colourfr models import-mxnet`) on the legacy InsightFace MobileFaceNet "
            "(`../shared/models/mobilefacenet-arcface`), checked against the independent ncnn "
            f"conversion of the same network. Faces: {args.faces} LFW deep-funneled images "
            "spread over the sorted file list, SCRFD-2.5G (640x640, threshold 0.5), "
            "`norm_crop` to 112x112. CPU, 1 thread, on a 2-core machine, 1-min load "
            f"{os.getloadavg()[0]:.2f} at the end (timings are indicative only); "
            f"onnxruntime {ort.__version__}, "
            f"ncnn {getattr(ncnn, '__version__', '?')}."
        ),
        "",
        "| measure | value |",
        "|---|---|",
        f"| conversion time (median of {args.repeats}) | {convert_s:.2f} s |",
        f"| ONNX nodes / sha256 | {nodes} / `{sha256[:16]}...` |",
        f"| faces compared (no face found) | {len(cos)} ({no_face}) |",
        (
            f"| cosine ONNX vs ncnn: min / mean / max | {cos.min():.7f} / {cos.mean():.7f} / "
            f"{cos.max():.7f} |"
        ),
        f"| largest 1 - cosine | {gap.max():.1e} |",
        f"| faces with cosine >= 0.999 | {int((cos >= 0.999).sum())} / {len(cos)} |",
        (
            "| per-face embedding time, ONNX Runtime (median) | "
            f"{1e3 * statistics.median(onnx_times):.1f} ms |"
        ),
        (
            "| per-face embedding time, ncnn (median) | "
            f"{1e3 * statistics.median(ncnn_times):.1f} ms |"
        ),
        *(
            f"| ONNX Runtime throughput, batch {batch}, `--prelu {mode}` | "
            f"{throughput[(mode, batch)]:.1f} faces/s |"
            for batch in (1, BATCH)
            for mode in ("native", "relu")
        ),
        "",
        (
            "The ncnn param file rounds the input scale to 0.007812 (MXNet: 0.0078125); "
            "the remaining differences are float32 rounding."
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    record = {
        "faces": args.faces,
        "faces_compared": len(cos),
        "no_face": no_face,
        "conversion_s_median": convert_s,
        "onnx_nodes": nodes,
        "onnx_sha256": sha256,
        "cosine_min": float(cos.min()),
        "cosine_mean": float(cos.mean()),
        "cosine_max": float(cos.max()),
        "largest_one_minus_cosine": float(gap.max()),
        "faces_cosine_ge_0_999": int((cos >= 0.999).sum()),
        "onnx_ms_per_face_median": 1e3 * statistics.median(onnx_times),
        "ncnn_ms_per_face_median": 1e3 * statistics.median(ncnn_times),
        "throughput_faces_per_s": {
            f"{mode}/batch{batch}": value for (mode, batch), value in throughput.items()
        },
        "onnxruntime": ort.__version__,
        "ncnn": getattr(ncnn, "__version__", "?"),
        "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
    }
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", text)
    return 0


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section in ``path`` (or append it), keeping the others."""
    existing = path.read_text() if path.is_file() else "# Benchmarks\n"
    start = existing.find(SECTION + "\n")
    if start == -1:
        updated = existing.rstrip("\n") + "\n\n" + section
    else:
        end = existing.find("\n## ", start + len(SECTION))
        tail = "" if end == -1 else existing[end + 1 :]
        updated = existing[:start] + section + ("\n" + tail if tail else "")
    path.write_text(updated)


if __name__ == "__main__":
    sys.exit(main())
