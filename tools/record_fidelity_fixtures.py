"""Record what the original environment's libraries compute on fidelity-critical paths.

Run once, where PyPI is reachable::

    .venv/bin/python tools/record_fidelity_fixtures.py

It installs the reference libraries (Pillow 9.3.0, as DeOldify's results were made with,
and OpenCV 4.10) into ``build/fidelity-reference`` with ``pip --target``, re-runs itself
with them first on the path, calls the libraries exactly as the original code does on
deterministic synthetic images, and writes the sha256 of every output to
``tests/fixtures/fidelity/recorded.json``. ``tests/test_fidelity.py`` recomputes the same
outputs with the project's code under whatever is installed and compares. See
docs/fidelity-audit.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "fidelity" / "recorded.json"
REFERENCE_PACKAGES = ["pillow==9.3.0", "opencv-python-headless==4.10.0.84"]
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

# (height, width): a cropped LFW-like face, FERET, FRGC; render factors 7 to 45.
JANTIC_CASES = [
    ((230, 170), 12),
    ((512, 768), 35),
    ((768, 512), 7),
    ((768, 512), 21),
    ((768, 512), 35),
    ((768, 512), 45),
    ((2272, 1704), 7),
    ((2272, 1704), 35),
    ((2272, 1704), 45),
]
DANA_CASES = [((230, 170), 12), ((768, 512), 35), ((2272, 1704), 21)]
RESIZE_CASES = [((230, 170), (192, 192)), ((768, 512), (560, 560)), ((560, 560), (768, 512))]
WARP_SIZE = (160, 160)


def synthetic_image(height: int, width: int, seed: int) -> np.ndarray:
    """A face-sized RGB uint8 image with smooth gradients, edges and noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    base = np.stack(
        [
            128 + 100 * np.sin(xx / (7.0 + seed)),
            128 + 100 * np.cos(yy / 11.0),
            (xx + 2 * yy) % 256,
        ],
        axis=-1,
    )
    noisy = base + rng.normal(0, 12, base.shape)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)


def fake_network(x: np.ndarray) -> np.ndarray:
    """A deterministic stand-in for the generator: (3, S, S) float32 -> (3, S, S) float32."""
    x = x.astype(np.float32)
    return np.stack(
        [
            x[0] * np.float32(0.8) + np.float32(0.3),
            x[1, ::-1, :] * np.float32(0.5),
            -x[2, :, ::-1] * np.float32(0.7),
        ]
    ).astype(np.float32)


def fake_tanh_network(x: np.ndarray) -> np.ndarray:
    return np.tanh(fake_network(x)).astype(np.float32)


def sha256(array: np.ndarray) -> str:
    array = np.ascontiguousarray(array)
    header = f"{array.dtype.str}{array.shape}".encode()
    return hashlib.sha256(header + array.tobytes()).hexdigest()


def alignment_points(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.array([[70.0, 90.0], [130.0, 88.0], [100.0, 120.0], [78.0, 150.0], [124.0, 149.0]])
    return base + rng.normal(0, 3, base.shape)


# ------------------------------------------------------------ the original code's calls


def original_jantic(image: np.ndarray, render_factor: int) -> dict[str, str]:
    import cv2
    from PIL import Image

    size = 16 * render_factor
    orig = Image.fromarray(image)
    model_image = orig.resize((size, size), resample=Image.BILINEAR).convert("LA").convert("RGB")
    grey = np.asarray(model_image)
    x = (
        grey.transpose(2, 0, 1).astype(np.float32) / np.float32(255) - IMAGENET_MEAN[:, None, None]
    ) / IMAGENET_STD[:, None, None]
    y = fake_network(x) * IMAGENET_STD[:, None, None] + IMAGENET_MEAN[:, None, None]
    out = (np.clip(y, 0.0, 1.0) * np.float32(255)).transpose(1, 2, 0).astype(np.uint8)
    raw_colour = Image.fromarray(out).resize(orig.size, resample=Image.BILINEAR)
    colour_yuv = cv2.cvtColor(np.asarray(raw_colour), cv2.COLOR_RGB2YUV)
    hires = cv2.cvtColor(np.asarray(orig), cv2.COLOR_RGB2YUV)
    hires[:, :, 1:3] = colour_yuv[:, :, 1:3]
    final = cv2.cvtColor(hires, cv2.COLOR_YUV2RGB)
    return {
        "grey_square": sha256(grey),
        "unsquared": sha256(np.asarray(raw_colour)),
        "final": sha256(final),
    }


def original_dana(image: np.ndarray, render_factor: int) -> dict[str, str]:
    import cv2

    size = 16 * render_factor
    original = image.astype(np.float32) / 255
    square = cv2.resize(original, (size, size), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(cv2.cvtColor(square, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2RGB)
    x = np.rollaxis((grey - np.float32(0.5)) / np.float32(0.5), 2)
    colour = np.rollaxis(fake_tanh_network(x), 0, 3) * np.float32(0.5) + np.float32(0.5)
    orig_grey = cv2.cvtColor(cv2.cvtColor(original, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2RGB)
    height, width = original.shape[:2]
    colour = cv2.resize(np.ascontiguousarray(colour), (width, height), interpolation=cv2.INTER_AREA)
    colour_yuv = cv2.cvtColor(colour, cv2.COLOR_BGR2YUV)
    merged = cv2.cvtColor(orig_grey, cv2.COLOR_BGR2YUV)
    merged[:, :, 1:3] = colour_yuv[:, :, 1:3]
    merged = np.clip(cv2.cvtColor(merged, cv2.COLOR_YUV2BGR), 0, 1)
    low, high = merged.min(), merged.max()
    scaled = (merged - low) * (255.0 / ((high - low) or 1))
    final = (scaled.clip(0, 255) + 0.5).astype(np.uint8)
    return {"final": sha256(final)}


def original_resize(image: np.ndarray, size: tuple[int, int]) -> dict[str, str]:
    from PIL import Image

    height, width = size
    return {
        "final": sha256(np.asarray(Image.fromarray(image).resize((width, height), Image.BILINEAR)))
    }


def original_lightqnet_preprocessing(image: np.ndarray, seed: int) -> dict[str, str]:
    import cv2
    from skimage.transform import SimilarityTransform

    points = alignment_points(seed)
    src = np.stack([points[0], points[1], points[3:5].mean(axis=0)])
    template = np.array([[34.19, 46.16], [65.65, 45.98], [50.12, 82.40]]) / 100.0 * 160
    transform = SimilarityTransform()
    transform.estimate(src, template)
    aligned = cv2.warpAffine(image, transform.params[0:2, :], WARP_SIZE, borderValue=0.0)
    face = cv2.resize(aligned, (96, 96))
    return {
        "matrix": json.dumps(np.round(transform.params[0:2, :], 9).tolist()),
        "final": sha256(face),
    }


def original_arcface_alignment(image: np.ndarray, seed: int) -> dict[str, str]:
    from insightface.utils import face_align

    crop = face_align.norm_crop(image, landmark=alignment_points(seed), image_size=112)
    return {"final": sha256(crop)}


def original_faceqnet_preprocessing(image: np.ndarray) -> dict[str, str]:
    import cv2

    crop = image[20:200, 15:160][:, :, ::-1]  # cv2.imread's BGR order
    return {"final": sha256(cv2.resize(np.ascontiguousarray(crop), (224, 224)).astype(np.float32))}


def original_imagemagick_grey(image: np.ndarray, workdir: Path) -> dict[str, str] | None:
    import shutil

    from PIL import Image

    tool = shutil.which("magick") or shutil.which("convert")
    if tool is None:
        return None
    source, target = workdir / "in.png", workdir / "out.png"
    Image.fromarray(image).save(source)
    subprocess.run([tool, str(source), "-grayscale", "Rec709Luma", str(target)], check=True)
    grey = np.asarray(Image.open(target))
    if grey.ndim == 3:
        grey = grey[:, :, 0]
    return {
        "final": sha256(grey),
        "tool": subprocess.run(
            [tool, "-version"], capture_output=True, text=True, check=True
        ).stdout.splitlines()[0],
    }


def record(workdir: Path) -> dict[str, object]:
    import cv2
    import PIL

    cases: dict[str, dict[str, str]] = {}
    for seed, ((height, width), render_factor) in enumerate(JANTIC_CASES):
        cases[f"jantic/{height}x{width}/rf{render_factor}"] = original_jantic(
            synthetic_image(height, width, seed), render_factor
        )
    for seed, ((height, width), render_factor) in enumerate(DANA_CASES):
        cases[f"dana/{height}x{width}/rf{render_factor}"] = original_dana(
            synthetic_image(height, width, seed), render_factor
        )
    for seed, ((height, width), size) in enumerate(RESIZE_CASES):
        cases[f"pillow_bilinear/{height}x{width}/{size[0]}x{size[1]}"] = original_resize(
            synthetic_image(height, width, seed), size
        )
    for seed in range(3):
        cases[f"lightqnet_preprocessing/{seed}"] = original_lightqnet_preprocessing(
            synthetic_image(250, 250, seed), seed
        )
    for seed in range(3):
        cases[f"arcface_alignment/{seed}"] = original_arcface_alignment(
            synthetic_image(250, 250, seed), seed
        )
    cases["faceqnet_preprocessing/0"] = original_faceqnet_preprocessing(
        synthetic_image(250, 250, 0)
    )
    grey = original_imagemagick_grey(synthetic_image(120, 90, 5), workdir)
    if grey is not None:
        cases["imagemagick_rec709luma/0"] = grey
    return {
        "recorded_with": {
            "pillow": PIL.__version__,
            "opencv": cv2.__version__,
            "numpy": np.__version__,
        },
        "cases": cases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reference", type=Path, default=REPO / "build" / "fidelity-reference")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        if not args.reference.exists():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--no-deps",
                    "--target",
                    str(args.reference),
                    *REFERENCE_PACKAGES,
                ],
                check=True,
            )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(args.reference), os.environ.get("PYTHONPATH", "")]),
        }
        subprocess.run(
            [sys.executable, __file__, "--inside", "--reference", str(args.reference)],
            env=env,
            check=True,
        )
        return
    import PIL

    if not PIL.__file__.startswith(str(args.reference)):
        raise SystemExit(f"the reference Pillow was not imported (got {PIL.__file__})")
    args.reference.mkdir(parents=True, exist_ok=True)
    result = record(args.reference)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE} ({len(result['cases'])} cases)")


if __name__ == "__main__":
    main()
