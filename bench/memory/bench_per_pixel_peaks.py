"""Peak memory per pixel of every per-image step, as the kernel sees it (peak RSS).

    .venv/bin/python bench/memory/bench_per_pixel_peaks.py --out bench/memory/per_pixel_peaks.json

Each (step, size) runs in a fresh process: imports and models are loaded, the current RSS
is read, the step runs on one image, and the peak RSS (ru_maxrss) minus that baseline,
divided by the image's pixels, is the step's cost per pixel, decoding included. The
"before" rows are the whole-image computations the project used before the blocked computations (kept here,
not in the library), so the table shows what blocking saved. colourfr.memory's
STEP_BYTES_PER_PIXEL must stay at or above the measured figures (a test checks the
recorded JSON against it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
EXEMPLAR = REPO.parent / "shared/data/lfw/images_deepfunneled/Aaron_Eckhart/Aaron_Eckhart_0001.jpg"
FACE = REPO.parent / "shared/data/lfw/images_deepfunneled/Colin_Powell/Colin_Powell_0001.jpg"
SCRFD = REPO.parent / "shared/models/scrfd/scrfd_2.5g_kps.onnx"
ARCFACE_ONNX = REPO / "resources/models/mobilefacenet-arcface.onnx"
LIGHTQNET_ONNX = REPO / "resources/models/lightqnet/lightqnet-dm100.onnx"


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def exemplar_before(target_grey: np.ndarray, samples, window: int, weight: float) -> np.ndarray:
    from scipy.spatial import cKDTree
    from skimage import color

    from colourfr.colourisers.exemplar import local_std
    from colourfr.images import grey_to_rgb

    lab = color.rgb2lab(grey_to_rgb(target_grey))
    lightness = lab[:, :, 0]
    mu_t, sigma_t = float(lightness.mean()), float(lightness.std())
    scale = sigma_t / samples.std_lightness
    remapped_l = scale * (samples.lightness - samples.mean_lightness) + mu_t
    w_l, w_d = math.sqrt(weight), math.sqrt(1.0 - weight)
    tree = cKDTree(np.column_stack([w_l * remapped_l, w_d * scale * samples.deviation]))
    query = np.column_stack([w_l * lightness.ravel(), w_d * local_std(lightness, window).ravel()])
    _, nearest = tree.query(query, k=1)
    out_lab = np.empty_like(lab)
    out_lab[:, :, 0] = lightness
    out_lab[:, :, 1:] = samples.chroma_ab[nearest].reshape(*lightness.shape, 2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*negative Z values.*")
        rgb = color.lab2rgb(out_lab)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def fidelity_before(original: np.ndarray, colourised: np.ndarray) -> None:
    from skimage import color

    from colourfr.colour_fidelity import lab_fidelity

    lab_fidelity(color.rgb2lab(original), color.rgb2lab(colourised))
    for rgb in (original, colourised):
        values = rgb.astype(np.float64)
        rg = values[..., 0] - values[..., 1]
        yb = 0.5 * (values[..., 0] + values[..., 1]) - values[..., 2]
        np.hypot(rg.std(), yb.std())


def child(step: str, colour: Path, grey: Path, out: Path) -> dict[str, float]:
    """Run one step once; returns peak bytes per pixel above the baseline."""
    import pandas as pd

    from colourfr.colour_fidelity import image_fidelity
    from colourfr.colourisers.exemplar import ExemplarTransferColouriser
    from colourfr.images import read_grey, read_rgb, write_png
    from colourfr.variants import make_greyscale

    colouriser = ExemplarTransferColouriser(exemplar=str(EXEMPLAR))
    index = pd.DataFrame([{"image_id": "a", "path": str(colour), "status": "ok", "detail": ""}])
    warm = read_rgb(FACE)
    system = records = None
    if step in ("insightface-arcface", "lightqnet"):
        from colourfr.recognition.insightface_arcface import InsightFaceArcFace

        system = InsightFaceArcFace(
            detector=str(SCRFD), recogniser=str(ARCFACE_ONNX), pack="mobilefacenet-scrfd"
        )
        system.process([warm], ["warm"])  # onnxruntime's arenas: part of the fixed cost
        records, _ = system.process([read_rgb(colour)], ["a"])
    if step == "dlib-resnet":
        from colourfr.recognition.dlib_resnet import DlibResNet

        system = DlibResNet()
        system.process([warm], ["warm"])
    estimator = None
    if step == "lightqnet":
        from colourfr.quality.lightqnet import LightQNet

        estimator = LightQNet(model_path=str(LIGHTQNET_ONNX))
        estimator.score([warm], system.process([warm], ["warm"])[0])
        system = None
    rng = np.random.default_rng(0)
    net_output = rng.standard_normal((3, 560, 560)).astype(np.float32)

    def deoldify() -> None:
        from colourfr.colourisers.deoldify.pipeline import jantic_postprocess

        write_png(out / "d.png", jantic_postprocess(read_grey(grey), net_output))

    steps = {
        "decode": lambda: read_rgb(colour),
        "greyscale": lambda: make_greyscale(index, out / "grey"),
        "exemplar-transfer": lambda: write_png(
            out / "c.png", colouriser.colourise([read_grey(grey)])[0]
        ),
        "exemplar-transfer (before)": lambda: write_png(
            out / "c.png", exemplar_before(read_grey(grey), colouriser.samples, 5, 0.5)
        ),
        "deoldify / trained-unet post-processing": deoldify,
        "colour_fidelity": lambda: image_fidelity(read_rgb(colour), read_rgb(colour)),
        "colour_fidelity (before)": lambda: fidelity_before(read_rgb(colour), read_rgb(colour)),
        "insightface-arcface": lambda: system.process([read_rgb(colour)], ["a"]),
        "dlib-resnet": lambda: system.process([read_rgb(colour)], ["a"]),
        "lightqnet": lambda: estimator.score([read_rgb(colour)], records),
    }
    baseline = rss_bytes()
    steps[step]()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    from PIL import Image

    with Image.open(colour) as image:
        pixels = image.width * image.height
    return {"bytes_per_pixel": round((peak - baseline) / pixels, 1)}


def make_images(folder: Path, width: int, height: int) -> tuple[Path, Path]:
    from PIL import Image

    from colourfr.images import rec709_luma

    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (height // 50 + 1, width // 50 + 1, 3), dtype=np.uint8)
    rgb = np.array(Image.fromarray(small).resize((width, height), Image.BILINEAR))
    # A face in the middle, a third of the height, so that detectors find one.
    side = height // 3
    with Image.open(FACE) as face:
        face_rgb = np.asarray(face.convert("RGB").resize((side, side), Image.BICUBIC))
    top, left = (height - side) // 2, (width - side) // 2
    rgb[top : top + side, left : left + side] = face_rgb
    colour, grey = folder / f"{width}x{height}.jpg", folder / f"{width}x{height}_grey.png"
    Image.fromarray(rgb).save(colour, quality=90)
    Image.fromarray(rec709_luma(rgb)).save(grey)
    return colour, grey


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", nargs=4)
    parser.add_argument("--sizes", default="2000x1500,6000x4000")
    parser.add_argument("--steps", help="comma-separated subset; --out then updates those rows")
    args = parser.parse_args()
    if args.child:
        step, colour, grey, out = args.child
        print(json.dumps(child(step, Path(colour), Path(grey), Path(out))))
        return
    rows = []
    steps = [
        "decode",
        "greyscale",
        "exemplar-transfer",
        "exemplar-transfer (before)",
        "deoldify / trained-unet post-processing",
        "colour_fidelity",
        "colour_fidelity (before)",
        "insightface-arcface",
        "dlib-resnet",
        "lightqnet",
    ]
    if args.steps:
        steps = [step for step in steps if step in args.steps.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            width, height = map(int, size.split("x"))
            colour, grey = make_images(Path(tmp), width, height)
            for step in steps:
                result = subprocess.run(
                    [sys.executable, __file__, "--child", step, str(colour), str(grey), tmp],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise SystemExit(f"{step} at {size} failed:\n{result.stderr}")
                row = {"step": step, "size": size, **json.loads(result.stdout.splitlines()[-1])}
                print(row, flush=True)
                rows.append(row)
    if args.out:
        if args.steps and args.out.is_file():
            # Replace the re-measured rows, keep the others.
            fresh = {(row["step"], row["size"]): row for row in rows}
            kept = json.loads(args.out.read_text())["rows"]
            rows = [fresh.pop((k["step"], k["size"]), k) for k in kept] + list(fresh.values())
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
