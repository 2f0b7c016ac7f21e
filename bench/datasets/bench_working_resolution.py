"""In-the-wild photos much larger than their faces: per-image stages on the photo as it is
versus on its working copy (``working_resolution.max_side``).

A CelebA-like case built from LFW: each face is upscaled (bicubic) and placed in a large
JPEG, as phone photos hold a face in a few percent of their pixels. For each image the
per-pixel stages run as the workflow runs them: decode (or the reduced decode of the
working copy), ImageMagick-exact greyscale, PNG writing, exemplar colourisation and the
colour fidelity measures. Time per image and peak traced memory (numpy allocations).

    .venv/bin/python bench/datasets/bench_working_resolution.py --out bench/datasets/working_resolution.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

from PIL import Image

from colourfr.colour_fidelity import image_fidelity
from colourfr.colourisers.exemplar import ExemplarTransferColouriser
from colourfr.images import read_rgb, rec709_luma, write_png
from colourfr.working_copy import read_reduced

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
LFW = SHARED / "data" / "lfw" / "images_deepfunneled"


def make_photos(folder: Path, count: int, side: tuple[int, int]) -> list[Path]:
    faces = sorted(LFW.glob("*/*.jpg"))[:count]
    photos = []
    width, height = side
    for index, face in enumerate(faces):
        canvas = Image.new("RGB", (width, height), (90 + index, 110, 80))
        big_face = Image.open(face).resize((width // 3, width // 3), Image.Resampling.BICUBIC)
        canvas.paste(big_face, (width // 3, height // 4))
        path = folder / f"photo_{index}.jpg"
        canvas.save(path, quality=92)
        photos.append(path)
    return photos


def stages(
    path: Path, max_side: int | None, colouriser: ExemplarTransferColouriser, out: Path
) -> None:
    rgb = read_rgb(path) if max_side is None else read_reduced(path, max_side)
    grey = rec709_luma(rgb)
    write_png(out / "grey.png", grey)
    (colour,) = colouriser.colourise([grey])
    write_png(out / "colour.png", colour)
    image_fidelity(rgb, colour)


def run(
    photos: list[Path], max_side: int | None, colouriser: ExemplarTransferColouriser
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        stages(photos[0], max_side, colouriser, out)  # warm-up
        tracemalloc.start()
        start = time.perf_counter()
        for photo in photos:
            stages(photo, max_side, colouriser, out)
        seconds = (time.perf_counter() - start) / len(photos)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"seconds_per_image": round(seconds, 3), "peak_traced_mb": round(peak / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--images", type=int, default=6)
    args = parser.parse_args()
    exemplar = max(LFW.glob("*/*.jpg"))
    colouriser = ExemplarTransferColouriser(exemplar=str(exemplar))
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for side in [(1000, 1000), (3000, 4000)]:
            photos = make_photos(Path(folder), args.images, side)
            megapixels = side[0] * side[1] / 1e6
            for max_side in (None, 1024, 512):
                key = f"{side[0]}x{side[1]} max_side={max_side}"
                results[key] = {"megapixels": megapixels, **run(photos, max_side, colouriser)}
                print(key, results[key])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
