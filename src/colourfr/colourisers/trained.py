"""Colouriser plugin ``trained-unet``: the DeOldify-style U-Net the workflow trains itself.

Inference is DeOldify's own code path in this project: the generator class
:class:`~colourfr.colourisers.deoldify.unet.DeOldifyUnet` (built from the ``unet``
section of ``training.json``), weights read by
:func:`~colourfr.colourisers.deoldify.weights.load_weights` (``torch.load(...,
weights_only=True)``, strict key/shape check), and the jantic image path
:func:`~colourfr.colourisers.deoldify.pipeline.colourise_batch` (the jantic path: square resize to
``16 * render_factor``, ImageNet normalisation, network, denormalisation, resize back,
input luma + network chroma). ``render_factor`` defaults to the one used in training.

The model folder (``R/models/<instance>/`` when the workflow trains it, rule
``train_colouriser``) holds ``generator.pth`` (bare state_dict), ``training.json``
(architecture, recipe, data hash, loss history) and ``training_subjects.txt``.

Input: as DeOldify (greyscale; a colour image is reduced to its luma by the jantic path).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from colourfr.assets import sha256_of
from colourfr.colourisers.deoldify.pipeline import colourise_batch
from colourfr.colourisers.deoldify.plugin import as_image, pick_device
from colourfr.colourisers.deoldify.unet import DeOldifyUnet, UnetConfig
from colourfr.colourisers.deoldify.weights import load_weights
from colourfr.errors import AssetError, ConfigError

CHECKPOINT_NAME = "generator.pth"
CONFIG_NAME = "training.json"
SUBJECTS_NAME = "training_subjects.txt"
SUPPORTED_FORMAT_VERSIONS = (1,)


def read_training_record(model_dir: str | Path) -> dict[str, Any]:
    """``training.json`` of a model folder, checked for the keys inference needs."""
    path = Path(model_dir) / CONFIG_NAME
    if not path.is_file():
        raise AssetError(f"trained-unet: {path} not found (is {model_dir} a trained model folder?)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AssetError(f"trained-unet: {path} is not valid JSON: {exc}") from None
    if record.get("format_version") not in SUPPORTED_FORMAT_VERSIONS:
        raise AssetError(
            f"trained-unet: {path}: unsupported format_version {record.get('format_version')!r}"
        )
    for key in ("unet", "render_factor", "checkpoint"):
        if key not in record:
            raise AssetError(f"trained-unet: {path}: missing key {key!r}")
    return record


def unet_config_from_record(record: dict[str, Any]) -> UnetConfig:
    unet = dict(record["unet"])
    unet["y_range"] = tuple(unet.get("y_range", (-3.0, 3.0)))
    return UnetConfig(**unet)


def load_trained_generator(
    model_dir: str | Path, device: torch.device
) -> tuple[DeOldifyUnet, dict[str, Any]]:
    """Build the recorded architecture and load the checkpoint (sha256 checked first)."""
    record = read_training_record(model_dir)
    checkpoint = Path(model_dir) / record["checkpoint"].get("file", CHECKPOINT_NAME)
    if not checkpoint.is_file():
        raise AssetError(f"trained-unet: checkpoint not found: {checkpoint}")
    expected = record["checkpoint"].get("sha256")
    if expected and sha256_of(checkpoint) != expected:
        raise AssetError(
            f"trained-unet: {checkpoint} has a different sha256 than recorded in "
            f"{Path(model_dir) / CONFIG_NAME} (modified or truncated)"
        )
    with torch.device("meta"):
        model = DeOldifyUnet(unet_config_from_record(record))
    load_weights(model, checkpoint, "trained-unet", assign=True)  # loads in place
    return model.to(device).eval(), record


class TrainedUnetColouriser:
    """The self-trained generator behind DeOldify's jantic inference path, batched."""

    def __init__(
        self,
        model_dir: str | None = None,
        render_factor: int | None = None,
        device: str = "auto",
        fp16: bool = False,
        net_batch_size: int = 16,
        name: str = "trained-unet",
    ) -> None:
        # How the model was trained (lfw_root, profile, training: plan-only params) is read
        # from training.json, not from the config.
        if model_dir is None:
            raise ConfigError(
                "trained-unet: params.model_dir is not set; the workflow sets it to "
                "<results_dir>/models/<instance> (trained by the train_<instance> rule), or point it at a "
                "folder holding generator.pth and training.json"
            )
        self.model_dir = Path(model_dir)
        self.device = pick_device(device)
        self.model, self.record = load_trained_generator(self.model_dir, self.device)
        self.render_factor = int(render_factor or self.record["render_factor"])
        if not 1 <= self.render_factor <= 100:
            raise ConfigError(
                f"trained-unet: render_factor must be 1..100, got {self.render_factor}"
            )
        if net_batch_size < 1:
            raise ConfigError(f"trained-unet: net_batch_size must be >= 1, got {net_batch_size}")
        self.net_batch_size = net_batch_size
        self.fp16 = bool(fp16) and self.device.type == "cuda"
        self.name = name

    def training_subjects(self) -> frozenset[str]:
        """The people the model was trained on (``training_subjects.txt``; empty if absent)."""
        path = self.model_dir / SUBJECTS_NAME
        if not path.is_file():
            return frozenset()
        return frozenset(
            line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        )

    def colourise(self, grey_images: Sequence[np.ndarray]) -> list[np.ndarray]:
        images = [as_image(image, index) for index, image in enumerate(grey_images)]
        return colourise_batch(
            self.model, images, self.render_factor, batch_size=self.net_batch_size, fp16=self.fp16
        )

    def provenance(self) -> dict[str, Any]:
        data = self.record.get("data", {})
        return {
            "colouriser": self.name,
            "implementation": "colourfr DeOldifyUnet trained by the workflow (NoGAN-like, fastai)",
            "model_dir": str(self.model_dir),
            "weights_sha256": self.record["checkpoint"].get("sha256"),
            "architecture": self.record["unet"],
            "training_profile": self.record.get("profile"),
            "training_data_sha256": data.get("data_sha256"),
            "training_split": data.get("split_file"),
            "image_path": "jantic",
            "render_factor": self.render_factor,
            "device": str(self.device),
            "fp16": self.fp16,
            "torch": torch.__version__,
        }


def trained_unet(**params: Any) -> TrainedUnetColouriser:
    return TrainedUnetColouriser(**params)
