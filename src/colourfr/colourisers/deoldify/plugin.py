"""Colouriser plugins ``deoldify-stable``, ``deoldify-artistic``, ``deoldify-video``, ``deoldify-dana``.

Each wraps a published DeOldify generator and the original image path of its code base
(:mod:`colourfr.colourisers.deoldify.pipeline`), batched: the network input is always a
``16*render_factor`` square, so any mix of image sizes shares a batch; results equal the
one-image-at-a-time path.

Input: greyscale (H, W) uint8, as the colouriser interface prescribes. A colour (H, W, 3)
image is accepted and treated exactly as DeOldify treats a colour file: the network sees
only its luminance (ITU-R 601 for jantic, OpenCV grey for dana-kelley) and the output keeps
the image's own luma with the network's chroma. Anything else raises
:class:`DeOldifyInputError` naming the image's position.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from colourfr.assets import Asset, pinned_asset, resolve_asset, sha256_of
from colourfr.colourisers.assets import (
    DEOLDIFY_ARTISTIC,
    DEOLDIFY_DANA,
    DEOLDIFY_STABLE,
    DEOLDIFY_VIDEO,
)
from colourfr.colourisers.deoldify.dana import build_dana_generator
from colourfr.colourisers.deoldify.pipeline import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_RENDER_FACTOR,
    colourise_batch,
)
from colourfr.colourisers.deoldify.unet import ARTISTIC, STABLE, VIDEO, DeOldifyUnet
from colourfr.colourisers.deoldify.weights import load_weights
from colourfr.errors import AssetError, ColourfrError, ConfigError

Device = Literal["auto", "cpu", "cuda"]

#: Cache folder when neither ``cache_dir`` nor the workflow's ``resources_dir`` is given.
DEFAULT_CACHE_DIR = os.path.join("resources", "models", "deoldify")


class DeOldifyInputError(ColourfrError):
    """An image handed to a DeOldify colouriser is not an (H,W) or (H,W,3) uint8 array."""


@dataclass(frozen=True)
class Variant:
    name: str
    asset: Asset
    build: Callable[[], nn.Module]
    path: Literal["jantic", "dana"]
    architecture: dict[str, Any]


VARIANTS: dict[str, Variant] = {
    "stable": Variant(
        "deoldify-stable", DEOLDIFY_STABLE, lambda: DeOldifyUnet(STABLE), "jantic", STABLE.to_dict()
    ),
    "video": Variant(
        "deoldify-video", DEOLDIFY_VIDEO, lambda: DeOldifyUnet(VIDEO), "jantic", VIDEO.to_dict()
    ),
    "artistic": Variant(
        "deoldify-artistic",
        DEOLDIFY_ARTISTIC,
        lambda: DeOldifyUnet(ARTISTIC),
        "jantic",
        ARTISTIC.to_dict(),
    ),
    "dana": Variant(
        "deoldify-dana",
        DEOLDIFY_DANA,
        lambda: build_dana_generator(2),
        "dana",
        {"generator": "fasterai Unet34", "nf_factor": 2},
    ),
}


def pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device: 'cuda' requested but torch sees no CUDA device")
    if device not in ("cpu", "cuda"):
        raise ConfigError(f"device: expected auto, cpu or cuda, got {device!r}")
    return torch.device(device)


def load_generator(
    variant: str, weights: str | os.PathLike[str], device: torch.device
) -> nn.Module:
    """Build ``variant`` without initialising it (meta tensors) and load ``weights`` into it."""
    spec = VARIANTS[variant]
    with torch.device("meta"):
        model = spec.build()
    # assign=True replaces the meta tensors by the checkpoint's: no random init, one copy.
    model = load_weights(model, weights, spec.name, assign=True)
    return model.to(device).eval()


def resolve_weights(
    asset: Asset,
    weights: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str],
    allow_download: bool,
) -> Path:
    """A verified weights file: ``weights``, else ``cache_dir/<file>``, else a download.

    Offline (``allow_download`` false) with neither file present: one :class:`AssetError`
    naming the file, where it was looked for, the URLs and the config keys to set.
    """
    cached = Path(cache_dir) / asset.target_name
    if weights is None and not allow_download and not cached.is_file():
        mirrors = "".join(f" (mirror: {url})" for url in asset.urls[1:])
        raise AssetError(
            f"{asset.name}: weights file {asset.target_name} not found at {cached.absolute()} "
            "and downloads are off (config key allow_downloads is false, or this "
            "instance's params.allow_download is false). Download "
            f"{asset.urls[0]}{mirrors} yourself and set params.weights of this colouriser "
            f"instance to its path, or put it at {cached.absolute()} (`colourfr fetch "
            f"{asset.name} --dest {Path(cache_dir).absolute()}` does that), or set "
            "allow_downloads: true in the config to fetch it inside the colourise job"
        )
    return resolve_asset(asset, weights, cache_dir, allow_download)


def as_image(image: object, index: int) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        kind = image.dtype if isinstance(image, np.ndarray) else type(image).__name__
        raise DeOldifyInputError(f"image {index}: expected a uint8 numpy array, got {kind}")
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3):
        if min(image.shape[:2]) < 1:
            raise DeOldifyInputError(f"image {index}: empty image of shape {image.shape}")
        return image
    raise DeOldifyInputError(
        f"image {index}: expected (H, W) greyscale or (H, W, 3) RGB, got shape {image.shape}"
    )


class DeOldifyColouriser:
    """A published DeOldify generator with its original image path, batched."""

    def __init__(
        self,
        variant: str,
        weights: str | None = None,
        render_factor: int = DEFAULT_RENDER_FACTOR,
        device: Device = "auto",
        fp16: bool = False,
        net_batch_size: int = DEFAULT_BATCH_SIZE,
        cache_dir: str | None = None,
        allow_download: bool = False,
        weights_sha256: str | None = None,
    ) -> None:
        """``allow_download`` is the effective switch: the workflow passes the global
        ``allow_downloads`` AND the instance's ``params.allow_download``
        (:func:`colourfr.colourisers.run.build_colouriser`); direct callers opt in.
        ``cache_dir`` None: :data:`DEFAULT_CACHE_DIR` (the workflow passes
        ``<resources_dir>/models/deoldify``)."""
        if variant not in VARIANTS:
            raise ConfigError(f"unknown DeOldify variant {variant!r}; known: {sorted(VARIANTS)}")
        if not isinstance(render_factor, int) or not 1 <= render_factor <= 100:
            raise ConfigError(f"render_factor: expected an integer 1..100, got {render_factor!r}")
        if not isinstance(net_batch_size, int) or net_batch_size < 1:
            raise ConfigError(
                f"net_batch_size: expected a positive integer, got {net_batch_size!r}"
            )
        self.spec = VARIANTS[variant]
        self.name = self.spec.name
        self.render_factor = render_factor
        self.net_batch_size = net_batch_size
        self.device = pick_device(device)
        # Half precision only where it pays and is supported well: CUDA.
        self.fp16 = bool(fp16) and self.device.type == "cuda"
        self.asset = pinned_asset(self.spec.asset, weights_sha256)
        self.weights_path: Path = resolve_weights(
            self.asset,
            weights,
            cache_dir if cache_dir is not None else DEFAULT_CACHE_DIR,
            bool(allow_download),
        )
        self.model = load_generator(variant, self.weights_path, self.device)
        # A pinned digest has just been verified; otherwise it is computed on demand.
        self._weights_sha256: str | None = self.asset.sha256

    def colourise(self, grey_images: Sequence[np.ndarray]) -> list[np.ndarray]:
        images = [as_image(image, index) for index, image in enumerate(grey_images)]
        return colourise_batch(
            self.model,
            images,
            self.render_factor,
            path=self.spec.path,
            batch_size=self.net_batch_size,
            fp16=self.fp16,
        )

    def provenance(self) -> dict[str, Any]:
        if self._weights_sha256 is None:
            self._weights_sha256 = sha256_of(self.weights_path)
        return {
            "colouriser": self.name,
            "implementation": "colourfr plain-PyTorch re-implementation of DeOldify",
            "weights": str(self.weights_path),
            "weights_sha256": self._weights_sha256,
            "weights_sha256_pinned": self.asset.sha256 is not None,
            "weights_size": self.weights_path.stat().st_size,
            "weights_url": self.spec.asset.urls[0],
            "architecture": self.spec.architecture,
            "image_path": self.spec.path,
            "render_factor": self.render_factor,
            "device": str(self.device),
            "fp16": self.fp16,
            "watermark": False,
            "torch": torch.__version__,
        }


def stable(**params: Any) -> DeOldifyColouriser:
    return DeOldifyColouriser("stable", **params)


def video(**params: Any) -> DeOldifyColouriser:
    return DeOldifyColouriser("video", **params)


def artistic(**params: Any) -> DeOldifyColouriser:
    return DeOldifyColouriser("artistic", **params)


def dana(**params: Any) -> DeOldifyColouriser:
    return DeOldifyColouriser("dana", **params)
