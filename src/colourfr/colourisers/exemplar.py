"""Exemplar-based colour transfer: Welsh, Ashikhmin & Mueller (SIGGRAPH 2002).

"Transferring Color to Greyscale Images", global (swatch-free) variant, with CIELAB in
place of Ruderman's lαβ (both separate an achromatic channel from two opponent chroma
channels; CIELAB is what the colour-fidelity metrics use too). For each target image:

1. Luminance remapping: the exemplar's L* is shifted and scaled so that its mean and
   standard deviation equal the target's, ``L' = (σ_t/σ_s)(L - μ_s) + μ_t`` (the
   neighbourhood deviations scale by the same factor ``σ_t/σ_s``).
2. Jittered-grid sampling: the exemplar is divided into a ``g × g`` grid
   (``g = ceil(sqrt(n_samples))``) and one uniformly random pixel is taken from each
   cell (seeded, so the output is deterministic).
3. Matching: every target pixel is described by its L* and the standard deviation of L*
   in a ``window × window`` neighbourhood; it takes the sample minimising
   ``w (ΔL)² + (1 - w) (Δσ)²`` with ``w = luminance_weight`` (0.5 = Welsh et al.'s
   equal weighting of luminance and neighbourhood statistics).
4. Transfer: the output keeps the target's L* and takes a*, b* from the matched sample;
   CIELAB -> sRGB with clipping to the gamut.

Fully vectorised: the sample features go into a k-d tree, queried once per image.
The greyscale input (Rec. 709 luma, R=G=B) maps to an L* via the sRGB -> CIELAB
conversion, and the output keeps that L* (up to gamut clipping and 8-bit rounding).
Its Rec. 709 *luma* is not exactly the input's: L* is computed from linear-light Y,
luma from gamma-encoded R'G'B', so a chromatic pixel with the same L* has a slightly
different luma (on LFW faces: mean about 1.6, at most about 10 grey levels).

Input: (H, W) uint8 grey. A colour (H, W, 3) image is converted to Rec. 709 luma first,
as DeOldify does with its "LA" conversion; its colour is never used.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree
from skimage import color

from colourfr.assets import sha256_of
from colourfr.errors import ColourfrError, ConfigError
from colourfr.images import grey_to_rgb, read_rgb, rec709_luma

#: An exemplar whose pixels all have chroma below this (CIELAB units) carries no colour.
MIN_EXEMPLAR_CHROMA = 2.0


class ColouriserInputError(ColourfrError):
    """An image handed to a colouriser has the wrong shape or dtype."""


def input_to_grey(image: np.ndarray, index: int = 0) -> np.ndarray:
    """(H, W) uint8 as is; (H, W, 3) uint8 -> Rec. 709 luma (colour is discarded)."""
    if image.dtype != np.uint8:
        raise ColouriserInputError(f"image {index}: expected uint8, got {image.dtype}")
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 3:
        return rec709_luma(image)
    raise ColouriserInputError(f"image {index}: expected (H, W) or (H, W, 3), got {image.shape}")


def local_std(values: np.ndarray, window: int) -> np.ndarray:
    """Standard deviation over a ``window × window`` neighbourhood (edges: reflected)."""
    values = values.astype(np.float64, copy=False)
    mean = ndimage.uniform_filter(values, size=window, mode="reflect")
    mean_sq = ndimage.uniform_filter(values * values, size=window, mode="reflect")
    # In place: the same values as sqrt(max(mean_sq - mean², 0)), two fewer temporaries.
    np.multiply(mean, mean, out=mean)
    np.subtract(mean_sq, mean, out=mean_sq)
    del mean
    np.maximum(mean_sq, 0.0, out=mean_sq)
    return np.sqrt(mean_sq, out=mean_sq)


def jittered_grid(
    height: int, width: int, n_samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices: one uniform random pixel per cell of a g × g grid."""
    cells = max(1, math.ceil(math.sqrt(n_samples)))
    row_edges = np.linspace(0, height, min(cells, height) + 1).astype(int)
    col_edges = np.linspace(0, width, min(cells, width) + 1).astype(int)
    r0, c0 = np.meshgrid(row_edges[:-1], col_edges[:-1], indexing="ij")
    r1, c1 = np.meshgrid(row_edges[1:], col_edges[1:], indexing="ij")
    rows = r0 + np.floor(rng.random(r0.shape) * (r1 - r0)).astype(int)
    cols = c0 + np.floor(rng.random(c0.shape) * (c1 - c0)).astype(int)
    return rows.ravel(), cols.ravel()


@dataclass(frozen=True)
class ExemplarSamples:
    """Per-sample luminance, neighbourhood deviation and chroma of the exemplar."""

    lightness: np.ndarray  # (n,)
    deviation: np.ndarray  # (n,)
    chroma_ab: np.ndarray  # (n, 2)
    mean_lightness: float
    std_lightness: float


def sample_exemplar(
    exemplar_rgb: np.ndarray, n_samples: int, window: int, seed: int
) -> ExemplarSamples:
    lab = color.rgb2lab(exemplar_rgb)
    lightness = lab[:, :, 0]
    std = float(lightness.std())
    if std <= 1e-6:
        raise ColourfrError("exemplar has constant luminance; luminance remapping is undefined")
    deviation = local_std(lightness, window)
    height, width = lightness.shape
    rows, cols = jittered_grid(height, width, n_samples, np.random.default_rng(seed))
    return ExemplarSamples(
        lightness=lightness[rows, cols],
        deviation=deviation[rows, cols],
        chroma_ab=lab[rows, cols, 1:],
        mean_lightness=float(lightness.mean()),
        std_lightness=std,
    )


#: Pixels per block of rows in the matching and transfer steps: bounds their float64
#: temporaries (about 150 B per pixel of the block) independently of the image size.
TRANSFER_BLOCK_PIXELS = 1 << 18


def grey_lightness(target_grey: np.ndarray) -> np.ndarray:
    """CIELAB L* of every pixel of an (H, W) uint8 grey image (R = G = B), float64.

    Through a 256-entry table made by the same ``rgb2lab`` call on every grey level: the
    values equal converting the whole image, at 8 bytes per pixel instead of about 100."""
    levels = np.arange(256, dtype=np.uint8)
    table = color.rgb2lab(grey_to_rgb(levels[None, :]))[0, :, 0]
    return table[target_grey]


def transfer_chroma(
    target_grey: np.ndarray, samples: ExemplarSamples, window: int, luminance_weight: float
) -> np.ndarray:
    """Steps 1, 3, 4 of the method for one (H, W) uint8 image -> (H, W, 3) uint8 RGB.

    Matching and transfer are per pixel, so they run over blocks of rows
    (TRANSFER_BLOCK_PIXELS): the output equals the whole-image computation bit for bit,
    and the peak memory per pixel stays that of the lightness and its local deviation."""
    lightness = grey_lightness(target_grey)
    mu_t, sigma_t = float(lightness.mean()), float(lightness.std())
    scale = sigma_t / samples.std_lightness
    remapped_l = scale * (samples.lightness - samples.mean_lightness) + mu_t
    remapped_dev = scale * samples.deviation
    w_l, w_d = math.sqrt(luminance_weight), math.sqrt(1.0 - luminance_weight)
    tree = cKDTree(np.column_stack([w_l * remapped_l, w_d * remapped_dev]))
    deviation = local_std(lightness, window)
    height, width = lightness.shape
    out = np.empty((height, width, 3), dtype=np.uint8)
    rows = max(1, TRANSFER_BLOCK_PIXELS // max(width, 1))
    for top in range(0, height, rows):
        block = slice(top, min(top + rows, height))
        block_l = lightness[block]
        query = np.column_stack([w_l * block_l.ravel(), w_d * deviation[block].ravel()])
        _, nearest = tree.query(query, k=1)
        out_lab = np.empty((*block_l.shape, 3))
        out_lab[:, :, 0] = block_l
        out_lab[:, :, 1:] = samples.chroma_ab[nearest].reshape(*block_l.shape, 2)
        with warnings.catch_warnings():
            # Out-of-gamut Lab values are clipped on purpose (documented above).
            warnings.filterwarnings("ignore", message=".*negative Z values.*")
            rgb = color.lab2rgb(out_lab)
        out[block] = np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)
    return out


def default_exemplar_path(
    lfw_root: str | os.PathLike[str], seed: int, people_file: str | None = None
) -> Path:
    """The deterministic pick from the training people (LFW peopleDevTrain by default)."""
    from colourfr.colourisers.training.data import (
        TRAIN_SPLIT_FILE,
        pick_exemplar,
        split_image_paths,
    )

    return pick_exemplar(split_image_paths(lfw_root, people_file or TRAIN_SPLIT_FILE), seed)


class ExemplarTransferColouriser:
    """Welsh et al. (2002) global colour transfer from one exemplar face; no weights."""

    def __init__(
        self,
        exemplar: str | None = None,
        lfw_root: str | None = None,
        exemplar_seed: int = 0,
        people_file: str | None = None,
        n_samples: int = 200,
        window: int = 5,
        luminance_weight: float = 0.5,
        seed: int = 0,
        name: str = "exemplar-transfer",
    ) -> None:
        if exemplar is None:
            if lfw_root is None:
                raise ConfigError(
                    "exemplar-transfer: set params.exemplar (a colour image) or params.lfw_root "
                    "(LFW folder with peopleDevTrain.txt) for the default pick"
                )
            exemplar = str(default_exemplar_path(lfw_root, exemplar_seed, people_file))
        if not 0.0 <= luminance_weight <= 1.0:
            raise ConfigError(
                f"exemplar-transfer: luminance_weight must be in [0, 1], got {luminance_weight}"
            )
        if n_samples < 1 or window < 1 or window % 2 == 0:
            raise ConfigError(
                "exemplar-transfer: n_samples >= 1 and an odd window >= 1 are required"
            )
        rgb = read_rgb(exemplar)
        try:
            self.samples = sample_exemplar(rgb, n_samples, window, seed)
        except ColourfrError as exc:
            raise ConfigError(f"exemplar-transfer: {exemplar}: {exc}") from None
        if float(np.hypot(*self.samples.chroma_ab.T).max()) < MIN_EXEMPLAR_CHROMA:
            raise ConfigError(
                f"exemplar-transfer: {exemplar} is greyscale; the exemplar must be a colour image"
            )
        self.name = name
        self.exemplar = str(exemplar)
        self.window = window
        self.luminance_weight = luminance_weight
        self._settings = {
            "n_samples": n_samples,
            "window": window,
            "luminance_weight": luminance_weight,
            "seed": seed,
            "exemplar_seed": exemplar_seed,
        }

    def colourise(self, grey_images: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [
            transfer_chroma(
                input_to_grey(image, i), self.samples, self.window, self.luminance_weight
            )
            for i, image in enumerate(grey_images)
        ]

    def provenance(self) -> dict[str, Any]:
        return {
            "plugin": "exemplar-transfer",
            "method": "Welsh, Ashikhmin & Mueller 2002, global transfer in CIELAB",
            "exemplar": self.exemplar,
            "exemplar_sha256": sha256_of(self.exemplar),
            **self._settings,
        }
