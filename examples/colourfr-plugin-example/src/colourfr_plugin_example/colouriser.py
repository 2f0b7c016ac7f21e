"""The ``mean-chroma`` colouriser and the artifact function that fits its palette."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from skimage.color import lab2rgb, rgb2lab

from colourfr.errors import AssetError, ConfigError
from colourfr.io.atomic import write_json

#: The central part of an LFW deep-funneled face image that is mostly skin.
CENTRE_FRACTION = 0.3


def read_people(path: str | os.PathLike[str]) -> list[str]:
    """Names of an LFW people file (a count line, then ``Name<TAB>N``) or one per line."""
    names = []
    for line in Path(path).read_text().splitlines():
        field = line.split("\t")[0].strip()
        if field and not field.isdigit():
            names.append(field)
    return names


def centre_crop(rgb: np.ndarray, fraction: float = CENTRE_FRACTION) -> np.ndarray:
    height, width = rgb.shape[:2]
    h, w = max(1, int(height * fraction)), max(1, int(width * fraction))
    top, left = (height - h) // 2, (width - w) // 2
    return rgb[top : top + h, left : left + w]


def fit_palette(
    training_list: str | os.PathLike[str], images_dir: str | os.PathLike[str], max_images: int
) -> dict[str, Any]:
    """Mean CIELAB a*, b* of the face centres of up to ``max_images`` training images
    (every person's images in name order, evenly subsampled)."""
    people = read_people(training_list)
    paths = sorted(path for person in people for path in (Path(images_dir) / person).glob("*.jpg"))
    if not paths:
        raise ConfigError(f"mean-chroma: no training images of {training_list} in {images_dir}")
    chosen = [
        paths[i] for i in np.linspace(0, len(paths) - 1, min(max_images, len(paths))).astype(int)
    ]
    sums = np.zeros(2)
    count = 0
    for path in chosen:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        lab = rgb2lab(centre_crop(rgb))
        sums += lab[..., 1:].reshape(-1, 2).sum(axis=0)
        count += lab.shape[0] * lab.shape[1]
    a_star, b_star = sums / count
    return {
        "a_star": float(a_star),
        "b_star": float(b_star),
        "n_images": len(chosen),
        "subjects": sorted({path.parent.name for path in chosen}),
    }


def fit_palette_artifact(
    inputs: Mapping[str, str],
    outputs: Mapping[str, str],
    params: Mapping[str, Any],
    threads: int,
    gpu: bool,
) -> None:
    """What the workflow's ``fit_<instance>`` rule runs (colourfr.plugin_plan.Artifact)."""
    palette = fit_palette(inputs["training_list"], params["images_dir"], params["max_images"])
    write_json(outputs["palette"], palette)


class MeanChromaColouriser:
    """Greyscale face -> colour: its own lightness, the palette's chroma."""

    name = "mean-chroma"

    def __init__(self, palette: str | None = None) -> None:
        if not palette:
            raise ConfigError("mean-chroma: params.palette is not set (the workflow fits one)")
        self.palette_path = Path(palette)
        try:
            self.palette = json.loads(self.palette_path.read_text())
            self.a_star = float(self.palette["a_star"])
            self.b_star = float(self.palette["b_star"])
        except (OSError, ValueError, KeyError) as exc:
            raise AssetError(f"mean-chroma: {palette} is not a fitted palette ({exc})") from None

    def colourise(self, grey_images: Sequence[np.ndarray]) -> list[np.ndarray]:
        out = []
        for grey in grey_images:
            lightness = rgb2lab(np.repeat(grey[..., None], 3, axis=2))[..., 0]
            lab = np.stack(
                [
                    lightness,
                    np.full_like(lightness, self.a_star),
                    np.full_like(lightness, self.b_star),
                ],
                axis=-1,
            )
            rgb = np.clip(np.rint(lab2rgb(lab) * 255.0), 0, 255).astype(np.uint8)
            out.append(rgb)
        return out

    def training_subjects(self) -> frozenset[str]:
        return frozenset(self.palette.get("subjects", []))

    def provenance(self) -> dict[str, Any]:
        return {
            "colouriser": self.name,
            "palette": str(self.palette_path),
            "palette_sha256": hashlib.sha256(self.palette_path.read_bytes()).hexdigest(),
            "a_star": self.a_star,
            "b_star": self.b_star,
            "n_images": self.palette.get("n_images"),
        }
