"""The torchvision stand-in that lets fastai.vision.gan import (colourfr.colourisers.training.fastai_compat)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from colourfr.colourisers.training import fastai_compat
from colourfr.errors import ColourfrError

pytest.importorskip("fastai")


def _run_isolated(code: str) -> subprocess.CompletedProcess[str]:
    """sys.modules surgery must not leak into the test process: run in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_stand_in_modules_cover_what_fastai_imports() -> None:
    modules = fastai_compat.build_stand_in_modules()
    assert set(modules) == {
        "torchvision",
        "torchvision.models",
        "torchvision.transforms",
        "torchvision.transforms.functional",
    }
    models = modules["torchvision.models"]
    # fastai.vision.learner uses these as dict keys at import time.
    for name in (
        "resnet18",
        "resnet34",
        "resnet101",
        "densenet121",
        "vgg16_bn",
        "alexnet",
        "squeezenet1_1",
    ):
        assert callable(getattr(models, name))
    assert callable(modules["torchvision.transforms.functional"].pad)
    assert all(getattr(m, fastai_compat.STAND_IN_MARKER) for m in modules.values())


def test_stand_in_callables_fail_loudly_with_a_colourfr_error() -> None:
    models = fastai_compat.build_stand_in_modules()["torchvision.models"]
    with pytest.raises(
        fastai_compat.TorchvisionUnavailableError, match="torchvision.models.resnet34"
    ):
        models.resnet34(weights=None)
    assert issubclass(fastai_compat.TorchvisionUnavailableError, ColourfrError)


def test_forced_stand_in_lets_fastai_gan_import_and_train_one_batch() -> None:
    result = _run_isolated(
        """
        import sys
        from colourfr.colourisers.training import fastai_compat as fc
        assert fc.ensure_fastai_vision_importable(force_stand_in=True) is True
        assert fc.stand_in_active()
        import fastai.vision.gan as gan
        # xresnet's optional import must take its ModuleNotFoundError fallback.
        try:
            import torchvision.models.utils
        except ModuleNotFoundError:
            pass
        else:
            raise SystemExit("torchvision.models.utils should not exist")
        import torch
        from fastai.data.core import DataLoaders
        from fastai.data.load import DataLoader
        torch.manual_seed(0)
        x = torch.rand(8, 3, 16, 16); y = torch.rand(8, 3, 16, 16)
        ds = list(zip(x, y))
        dls = DataLoaders(DataLoader(ds, bs=4, shuffle=True), DataLoader(ds, bs=4), device="cpu")
        generator = torch.nn.Conv2d(3, 3, 3, padding=1)
        critic = gan.gan_critic(n_channels=3, nf=8, n_blocks=1)
        losses = gan.gan_loss_from_func(torch.nn.L1Loss(), gan.AdaptiveLoss(torch.nn.BCEWithLogitsLoss()))
        learn = gan.GANLearner(dls, generator, critic, *losses, show_img=False,
                               switcher=gan.AdaptiveGANSwitcher(critic_thresh=0.65))
        with learn.no_bar(), learn.no_logging():
            learn.fit(1, 1e-3)
        print("OK", len(learn.gan_trainer.gen_losses) + len(learn.gan_trainer.crit_losses))
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] != "0"  # batches were trained through the GAN loop


def test_automatic_mode_uses_real_torchvision_only_when_it_imports() -> None:
    result = _run_isolated(
        """
        import importlib
        try:
            importlib.import_module("torchvision"); real_ok = True
        except Exception:
            real_ok = False
        import sys
        for n in [n for n in sys.modules if n.startswith("torchvision")]: del sys.modules[n]
        from colourfr.colourisers.training import fastai_compat as fc
        installed = fc.ensure_fastai_vision_importable()
        import fastai.vision.gan
        print(real_ok, installed, fc.stand_in_active())
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    real_ok, installed, active = result.stdout.split()[-3:]
    assert installed == str(real_ok == "False")
    assert active == installed
