"""NoGAN-like training of a small DeOldify generator with fastai (after jantic's DeOldify).

The generator is the project's own :class:`~colourfr.colourisers.deoldify.unet.DeOldifyUnet`
(the class the published DeOldify checkpoints load into), just with a small body and
``nf_factor``; its input tensors come from the *same* function the DeOldify inference path
uses (:func:`~colourfr.colourisers.deoldify.pipeline.jantic_net_input`), so training sees
exactly what inference will feed it. Recipe (DeOldify's "NoGAN", scaled down):

1. **Generator pretraining** (fastai ``Learner.fit_one_cycle``): greyscale in, RGB out,
   loss :class:`ChromaL1Loss` = L1 on RGB + ``chroma_weight`` x L1 on the BT.601 U/V
   chroma (inference keeps the input's luma and takes only U/V from the network, so
   chroma is what matters; the RGB term keeps the output a plausible image).
   DeOldify uses a VGG16 perceptual loss with an ImageNet-pretrained body; neither set of
   weights is available offline, so the body trains from scratch on the pixel loss.
2. **Critic pretraining**: fastai ``gan_critic`` (spectral norm, self-attention) learns
   real colour faces vs the pretrained generator's outputs (``AdaptiveLoss(BCE)``).
3. **Short adversarial phase**: ``GANLearner.from_learners`` with DeOldify's
   ``AdaptiveGANSwitcher(critic_thresh=0.65)`` and Adam betas (0, 0.9), generator loss
   ``adversarial_weight x BCE + 1 x ChromaL1``, for ``gan_fraction`` of one epoch. The
   phase starts with a generator step (``gen_first``): the critic is already pretrained,
   and starting on the critic side lets a critic whose loss never drops below
   ``critic_thresh`` keep the generator from ever taking an adversarial step.

Validation: a held-out ~5 % of the *training people* (split by person, never images of a
training person), used for the loss history; evaluation people are never loaded at all.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from colourfr.colourisers.deoldify.pipeline import IMAGENET_MEAN, IMAGENET_STD, jantic_net_input
from colourfr.colourisers.deoldify.unet import DeOldifyUnet, UnetConfig, UnetKind
from colourfr.colourisers.trained import CHECKPOINT_NAME, CONFIG_NAME, SUBJECTS_NAME
from colourfr.colourisers.training.data import (
    TrainingDataError,
    data_hash,
    select_training_images,
    split_image_paths,
    subject_of,
)
from colourfr.errors import ConfigError
from colourfr.images import read_rgb, rec709_luma

LOG = logging.getLogger(__name__)

FORMAT_VERSION = 1  # of training.json; colourfr.colourisers.trained checks it

# BT.601 RGB -> U, V (the analogue-form coefficients; OpenCV's YUV uses the same weights).
_RGB_TO_UV = torch.tensor([[-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]])


@dataclass(frozen=True)
class TrainingConfig:
    """Every knob of one training run; stored verbatim in ``training.json``."""

    # generator architecture (DeOldifyUnet / UnetConfig)
    kind: UnetKind = "deep"
    body: str = "resnet18"
    nf_factor: float = 0.5
    self_attention: bool = True
    blur: bool = True
    render_factor: int = 4  # training size 16 * render_factor (64 px)
    # data
    split_file: str = "peopleDevTrain.txt"
    max_images: int | None = 3000
    valid_fraction: float = 0.05
    flip: bool = True
    # phase 1: generator pretraining
    batch_size: int = 16
    pretrain_epochs: int = 3
    pretrain_lr: float = 2e-3
    weight_decay: float = 1e-3
    chroma_weight: float = 2.0
    # phase 2: critic pretraining
    critic_nf: int = 32
    critic_blocks: int = 3
    critic_images: int = 800
    critic_epochs: int = 1
    critic_lr: float = 2e-4
    # phase 3: adversarial
    gan_fraction: float = 0.15
    gan_lr: float = 5e-5
    adversarial_weight: float = 0.05
    critic_thresh: float = 0.65
    # run
    seed: int = 0
    device: str = "auto"
    threads: int | None = None

    @property
    def size(self) -> int:
        return 16 * self.render_factor

    def unet_config(self) -> UnetConfig:
        return UnetConfig(
            kind=self.kind,
            body=self.body,
            nf_factor=float(self.nf_factor),
            self_attention=self.self_attention,
            blur=self.blur,
        )


#: Named presets. ``cpu``: <= 20 min on 2 cores. ``gpu``: the bigger one for a GPU node
#: (resnet34 deep U-Net as "artistic", 192 px, all 9,525 DevTrain images). ``test``: a few
#: dozen 32 px images for the test suite.
PROFILES: dict[str, TrainingConfig] = {
    "cpu": TrainingConfig(),
    "gpu": TrainingConfig(
        kind="deep",
        body="resnet34",
        nf_factor=1.5,
        render_factor=12,
        max_images=None,
        batch_size=32,
        pretrain_epochs=12,
        pretrain_lr=1e-3,
        critic_nf=128,
        critic_blocks=3,
        critic_images=4000,
        critic_epochs=2,
        gan_fraction=0.3,
        gan_lr=2e-5,
        adversarial_weight=0.1,
    ),
    "test": TrainingConfig(
        nf_factor=0.125,
        render_factor=2,
        max_images=40,
        valid_fraction=0.2,
        batch_size=8,
        pretrain_epochs=2,
        pretrain_lr=3e-3,
        critic_nf=8,
        critic_blocks=2,
        critic_images=16,
        gan_fraction=0.5,
    ),
}


def make_config(profile: str = "cpu", overrides: dict[str, Any] | None = None) -> TrainingConfig:
    """A preset with overrides; unknown profile or key -> ConfigError naming it."""
    if profile not in PROFILES:
        raise ConfigError(f"training profile {profile!r} unknown; known: {sorted(PROFILES)}")
    overrides = dict(overrides or {})
    known = {f.name for f in fields(TrainingConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"training overrides: unknown key(s) {unknown}; known: {sorted(known)}")
    config = replace(PROFILES[profile], **overrides)
    if config.kind not in ("wide", "deep"):
        raise ConfigError(f"training: kind must be 'wide' or 'deep', got {config.kind!r}")
    from colourfr.colourisers.deoldify.resnet import RESNET_CONFIGS

    if config.body not in RESNET_CONFIGS:
        raise ConfigError(
            f"training: body {config.body!r} unknown; known: {sorted(RESNET_CONFIGS)}"
        )
    if config.render_factor < 1 or config.batch_size < 2:
        raise ConfigError("training: render_factor >= 1 and batch_size >= 2 are required")
    max_blocks = int(math.log2(config.size)) - 3  # the critic needs a >= 4 px map at the end
    if not 1 <= config.critic_blocks <= max_blocks:
        raise ConfigError(
            f"training: critic_blocks must be in 1..{max_blocks} for {config.size} px images "
            f"(got {config.critic_blocks})"
        )
    return config


# --------------------------------------------------------------------------- data


def colour_target(rgb: np.ndarray, size: int) -> np.ndarray:
    """(3, S, S) float32 normalised colour target, resized like the network input."""
    square = Image.fromarray(rgb).resize((size, size), resample=Image.Resampling.BILINEAR)
    y = np.asarray(square).transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    return (y - IMAGENET_MEAN[:, None, None]) / IMAGENET_STD[:, None, None]


def training_pair(rgb: np.ndarray, render_factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Network input from the workflow's greyscale (Rec. 709 luma) + the colour target."""
    return jantic_net_input(rec709_luma(rgb), render_factor), colour_target(rgb, 16 * render_factor)


class PairDataset(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Preloaded (input, target) tensors; optional horizontal flip of both."""

    def __init__(self, inputs: torch.Tensor, targets: torch.Tensor, flip: bool, seed: int) -> None:
        self.inputs, self.targets, self.flip = inputs, targets, flip
        self._generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = self.inputs[index], self.targets[index]
        if self.flip and bool(torch.rand(1, generator=self._generator) < 0.5):
            x, y = x.flip(-1), y.flip(-1)
        return x, y


def load_pairs(paths: Sequence[Path], render_factor: int) -> tuple[torch.Tensor, torch.Tensor]:
    pairs = [training_pair(read_rgb(p), render_factor) for p in paths]
    return (
        torch.from_numpy(np.stack([p[0] for p in pairs])),
        torch.from_numpy(np.stack([p[1] for p in pairs])),
    )


def split_by_person(
    paths: Sequence[Path], valid_fraction: float, seed: int
) -> tuple[list[Path], list[Path]]:
    """Hold out whole people (deterministic hash order) for validation."""
    import hashlib

    people = sorted(
        {subject_of(p) for p in paths},
        key=lambda n: hashlib.sha256(f"valid:{seed}:{n}".encode()).hexdigest(),
    )
    n_valid = max(1, round(valid_fraction * len(people))) if len(people) > 1 else 0
    valid_people = set(people[:n_valid])
    train = [p for p in paths if subject_of(p) not in valid_people]
    valid = [p for p in paths if subject_of(p) in valid_people]
    if not train or not valid:
        raise TrainingDataError(f"need >= 2 people to split train/valid, got {len(people)}")
    return train, valid


# --------------------------------------------------------------------------- losses


def _denormalise(x: torch.Tensor) -> torch.Tensor:
    mean = torch.as_tensor(IMAGENET_MEAN, device=x.device)[None, :, None, None]
    std = torch.as_tensor(IMAGENET_STD, device=x.device)[None, :, None, None]
    return x * std + mean


def rgb_to_uv(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) RGB in [0, 1] -> (N, 2, H, W) BT.601 U, V."""
    return torch.einsum("kc,nchw->nkhw", _RGB_TO_UV.to(rgb.device, rgb.dtype), rgb)


class ChromaL1Loss(nn.Module):
    """L1 on denormalised RGB + ``chroma_weight`` x L1 on BT.601 chroma (U, V)."""

    def __init__(self, chroma_weight: float = 1.0) -> None:
        super().__init__()
        self.chroma_weight = chroma_weight

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        out_rgb, target_rgb = _denormalise(output), _denormalise(target)
        loss = (out_rgb - target_rgb).abs().mean()
        if self.chroma_weight:
            loss = (
                loss
                + self.chroma_weight * (rgb_to_uv(out_rgb) - rgb_to_uv(target_rgb)).abs().mean()
            )
        return loss


# --------------------------------------------------------------------------- training


@dataclass
class TrainingResult:
    generator: DeOldifyUnet
    history: dict[str, Any] = field(default_factory=dict)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"training: device {name!r} requested but CUDA is not available")
    return torch.device(name)


def _mean_loss(
    model: nn.Module,
    loss: Callable[..., torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    device: torch.device,
    batch_size: int,
) -> float:
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb, yb = (
                x[start : start + batch_size].to(device),
                y[start : start + batch_size].to(device),
            )
            total += float(loss(model(xb), yb)) * len(xb)
    return total / len(x)


def train_generator(
    config: TrainingConfig,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    valid_x: torch.Tensor,
    valid_y: torch.Tensor,
) -> TrainingResult:
    """Run the three phases on preloaded tensors; returns the generator in eval mode."""
    from colourfr.colourisers.training.fastai_compat import import_fastai_gan

    gan = import_fastai_gan()
    from fastai.callback.training import ShortEpochCallback
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.learner import Learner
    from fastai.optimizer import Adam
    from fastai.torch_core import set_seed

    set_seed(config.seed, reproducible=True)
    if config.threads:
        torch.set_num_threads(config.threads)
    device = resolve_device(config.device)
    timings: dict[str, float] = {}

    def loaders(x_train: torch.Tensor, y_train: torch.Tensor, flip: bool) -> Any:
        train_ds = PairDataset(x_train, y_train, flip=flip, seed=config.seed)
        valid_ds = PairDataset(valid_x, valid_y, flip=False, seed=config.seed)
        return DataLoaders(
            DataLoader(train_ds, bs=config.batch_size, shuffle=True, drop_last=True, num_workers=0),
            DataLoader(valid_ds, bs=config.batch_size, num_workers=0),
            device=device,
        )

    from fastai.callback.core import Callback

    from colourfr.logs import ProgressLog

    class BatchProgress(Callback):  # type: ignore[misc]
        """Logs the phase's progress (batches, rate, time left) at most every 30 s."""

        order = 90

        def __init__(self, phase: str) -> None:
            self.phase = phase

        def before_fit(self) -> None:
            total = self.n_epoch * len(self.dls.train)
            self._counter = ProgressLog(LOG, total, f"{self.phase} batches")

        def after_batch(self) -> None:
            if self.training:
                self._counter.advance()

    generator = DeOldifyUnet(config.unet_config()).to(device)
    recon = ChromaL1Loss(config.chroma_weight)
    history: dict[str, Any] = {
        "valid_loss_initial": _mean_loss(
            generator, recon, valid_x, valid_y, device, config.batch_size
        )
    }
    LOG.info("untrained generator: valid loss %.4f", history["valid_loss_initial"])

    # Phase 1: generator pretraining on the pixel/chroma loss.
    started = time.perf_counter()
    gen_learn = Learner(
        loaders(train_x, train_y, config.flip),
        generator,
        loss_func=recon,
        opt_func=Adam,
        wd=config.weight_decay,
    )
    with gen_learn.no_bar(), gen_learn.no_logging():
        gen_learn.fit_one_cycle(
            config.pretrain_epochs, config.pretrain_lr, cbs=[BatchProgress("pretraining")]
        )
    values = [list(map(float, v[:2])) for v in gen_learn.recorder.values]
    history["pretrain_train_loss"] = [v[0] for v in values]
    history["pretrain_valid_loss"] = [v[1] for v in values]
    history["pretrain_batch_losses"] = [float(v) for v in gen_learn.recorder.losses]
    timings["pretrain_s"] = time.perf_counter() - started
    LOG.info("pretraining done: valid losses %s", history["pretrain_valid_loss"])

    # Phase 2: critic pretraining, real colour targets vs the generator's outputs.
    started = time.perf_counter()
    n_critic = min(config.critic_images, len(train_x))
    generator.eval()
    with torch.no_grad():
        fakes = torch.cat(
            [
                generator(train_x[s : s + config.batch_size].to(device)).cpu()
                for s in range(0, n_critic, config.batch_size)
            ]
        )
    reals = train_y[:n_critic]
    critic_images = torch.cat([reals, fakes])
    critic_labels = torch.cat([torch.ones(n_critic), torch.zeros(n_critic)])
    critic_valid = torch.cat([valid_y, valid_y[:0]]), torch.ones(len(valid_y))
    critic = gan.gan_critic(n_channels=3, nf=config.critic_nf, n_blocks=config.critic_blocks).to(
        device
    )
    critic_dls = DataLoaders(
        DataLoader(
            list(zip(critic_images, critic_labels)),
            bs=config.batch_size,
            shuffle=True,
            drop_last=True,
            num_workers=0,
        ),
        DataLoader(list(zip(*critic_valid)), bs=config.batch_size, num_workers=0),
        device=device,
    )
    crit_loss = gan.AdaptiveLoss(nn.BCEWithLogitsLoss())
    crit_learn = Learner(
        critic_dls,
        critic,
        loss_func=crit_loss,
        opt_func=partial(Adam, mom=0.0, sqr_mom=0.9),
        wd=config.weight_decay,
    )
    with crit_learn.no_bar(), crit_learn.no_logging():
        crit_learn.fit(config.critic_epochs, config.critic_lr, cbs=[BatchProgress("critic")])
    history["critic_pretrain_batch_losses"] = [float(v) for v in crit_learn.recorder.losses]
    timings["critic_pretrain_s"] = time.perf_counter() - started

    # Phase 3: short adversarial phase (DeOldify: AdaptiveGANSwitcher, critic_thresh 0.65).
    started = time.perf_counter()
    # fastai warns that GANTrainer's attributes shadow the Learner's; that is its own design.
    warnings.filterwarnings(
        "ignore", message="You are shadowing an attribute", category=UserWarning
    )
    gan_learn = gan.GANLearner.from_learners(
        gen_learn,
        crit_learn,
        switcher=gan.AdaptiveGANSwitcher(critic_thresh=config.critic_thresh),
        weights_gen=(config.adversarial_weight, 1.0),
        opt_func=partial(Adam, mom=0.0, sqr_mom=0.9),
        wd=config.weight_decay,
        show_img=False,
        gen_first=True,
        cbs=[ShortEpochCallback(pct=config.gan_fraction, short_valid=False)],
    )
    with gan_learn.no_bar(), gan_learn.no_logging():
        gan_learn.fit(1, config.gan_lr)
    history["gan_generator_losses"] = [float(v) for v in gan_learn.gan_trainer.gen_losses]
    history["gan_critic_losses"] = [float(v) for v in gan_learn.gan_trainer.crit_losses]
    timings["gan_s"] = time.perf_counter() - started

    generator = gan_learn.model.generator
    for parameter in generator.parameters():  # GANTrainer may leave parts frozen
        parameter.requires_grad_(True)
    generator.eval()
    history["valid_loss_final"] = _mean_loss(
        generator, recon, valid_x, valid_y, device, config.batch_size
    )
    history["timings"] = timings
    LOG.info("adversarial phase done: valid loss %.4f", history["valid_loss_final"])
    return TrainingResult(generator=generator.cpu(), history=history)


def _versions() -> dict[str, str]:
    import fastai

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "fastai": fastai.__version__,
        "numpy": np.__version__,
    }


def train_and_save(
    lfw_root: str | Path, out_dir: str | Path, config: TrainingConfig, profile: str = "custom"
) -> dict[str, Any]:
    """Full run: split, preload, train, write checkpoint + training.json + subject list."""
    started = time.perf_counter()
    lfw_root, out_dir = Path(lfw_root), Path(out_dir)
    all_paths = split_image_paths(lfw_root, config.split_file)
    chosen = select_training_images(all_paths, config.max_images, config.seed)
    train_paths, valid_paths = split_by_person(chosen, config.valid_fraction, config.seed)
    LOG.info(
        "%d training images (%d people), %d validation images (%d people) from %s",
        len(train_paths),
        len({subject_of(p) for p in train_paths}),
        len(valid_paths),
        len({subject_of(p) for p in valid_paths}),
        config.split_file,
    )
    train_x, train_y = load_pairs(train_paths, config.render_factor)
    valid_x, valid_y = load_pairs(valid_paths, config.render_factor)
    load_s = time.perf_counter() - started
    result = train_generator(config, train_x, train_y, valid_x, valid_y)
    result.history.setdefault("timings", {})["load_s"] = load_s

    out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = out_dir / CHECKPOINT_NAME
    from colourfr.assets import sha256_of
    from colourfr.io.atomic import atomic_write, write_text

    # A bare state_dict, as the published DeOldify checkpoints (loads with weights_only=True).
    # Saved through a file object: given a path, torch names the zip's records after the
    # (temporary, random) file name, and the same weights would differ byte for byte.
    with atomic_write(checkpoint, "wb") as handle:
        torch.save(result.generator.state_dict(), handle)

    people = sorted({subject_of(p) for p in chosen})
    write_text(out_dir / SUBJECTS_NAME, "\n".join(people) + "\n")
    record = {
        "format_version": FORMAT_VERSION,
        "profile": profile,
        "training": asdict(config),
        "unet": config.unet_config().to_dict(),
        "render_factor": config.render_factor,
        "data": {
            "lfw_root": str(lfw_root),
            "split_file": config.split_file,
            "n_images": len(chosen),
            "n_train_images": len(train_paths),
            "n_valid_images": len(valid_paths),
            "n_people": len(people),
            "data_sha256": data_hash(chosen, lfw_root),
            "data_sha256_rule": "sha256 over sorted '<relative path>\\0<sha256 of file>\\n' "
            "of every image used (train + validation)",
            "subjects_file": SUBJECTS_NAME,
        },
        "checkpoint": {
            "file": CHECKPOINT_NAME,
            "sha256": sha256_of(checkpoint),
            "parameters": sum(p.numel() for p in result.generator.parameters()),
        },
        "history": result.history,
        "wall_time_s": time.perf_counter() - started,
        "versions": _versions(),
    }
    # Written last: the record is what marks the model folder complete.
    write_text(out_dir / CONFIG_NAME, json.dumps(record, indent=2) + "\n")
    return record
