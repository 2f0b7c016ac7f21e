"""Let fastai's GAN training loop import when torchvision cannot be imported.

Why this exists: ``fastai.basics`` (Learner, DataLoaders, optimisers, callbacks) does not
touch torchvision, but ``fastai.vision.gan`` (``GANLearner``, ``AdaptiveGANSwitcher``,
``gan_critic``) imports ``fastai.vision.all``, which imports torchvision at module level.
The PyPI torchvision wheel here is a CUDA build: with the CPU torch wheel its import dies
with ``RuntimeError: operator torchvision::nms does not exist``.

What fastai actually takes from torchvision *at import time* (fastai 2.7/2.8):

* ``fastai/vision/models/tvm.py``: ``from torchvision.models import *``;
* ``fastai/vision/learner.py``: ``import torchvision`` and a dict keyed by
  ``models.resnet18 ... models.alexnet`` (only used by ``vision_learner``/``unet_learner``
  with torchvision backbones, and ``torchvision.__version__`` at call time);
* ``fastai/vision/augment.py``: ``from torchvision.transforms.functional import pad``
  (used by ``CropPad`` on PIL images);
* ``fastai/vision/models/xresnet.py``: ``torchvision.models.utils`` inside a
  ``try/except ModuleNotFoundError`` (falls back to ``torch.hub``).

The training code in :mod:`colourfr.colourisers.training` uses none of those at run time:
its networks are the project's own plain-PyTorch DeOldify U-Net and a fastai
``gan_critic``, and its data are plain tensors. So the minimal correct fix is to put
*stand-in* modules under those names in ``sys.modules`` before fastai.vision is imported,
whose callables raise :class:`TorchvisionUnavailableError` if anything ever calls them.
Nothing is faked silently: a code path that really needs torchvision fails loudly.

When the real torchvision imports fine (e.g. a CUDA torch on a GPU node), nothing is
installed and fastai uses it.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any, NoReturn

from colourfr.errors import ColourfrError

#: Marker attribute set on every stand-in module.
STAND_IN_MARKER = "__colourfr_stand_in__"

#: torchvision.models names fastai.vision.learner uses as dict keys at import time.
_MODEL_NAMES: tuple[str, ...] = (
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "squeezenet1_0", "squeezenet1_1",
    "densenet121", "densenet161", "densenet169", "densenet201",
    "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
    "alexnet",
)  # fmt: skip


class TorchvisionUnavailableError(ColourfrError):
    """A torchvision function was called while only the stand-in is installed."""


def _unavailable(qualified_name: str) -> Any:
    def stand_in(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise TorchvisionUnavailableError(
            f"{qualified_name} was called, but torchvision cannot be imported in this "
            "environment and colourfr installed a stand-in so that fastai's training loop "
            "imports. Use the project's own networks, or install a torchvision build that "
            "matches your torch (same version and CPU/CUDA variant)."
        )

    stand_in.__name__ = qualified_name.rsplit(".", 1)[-1]
    stand_in.__qualname__ = stand_in.__name__
    return stand_in


def _module(name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    setattr(module, STAND_IN_MARKER, True)
    # A package path makes ``import torchvision.x.y`` look for submodules in sys.modules
    # and raise ModuleNotFoundError for the ones we do not provide (what xresnet expects).
    module.__path__ = []  # type: ignore[attr-defined]
    return module


def build_stand_in_modules() -> dict[str, types.ModuleType]:
    """The stand-in modules, keyed by their import name (pure; installs nothing)."""
    models = _module(
        "torchvision.models",
        __all__=list(_MODEL_NAMES),
        **{name: _unavailable(f"torchvision.models.{name}") for name in _MODEL_NAMES},
    )
    functional = _module(
        "torchvision.transforms.functional",
        pad=_unavailable("torchvision.transforms.functional.pad"),
    )
    transforms = _module("torchvision.transforms", functional=functional)
    # A version below 0.13 keeps fastai.vision.learner on its pre-"weights=" code path,
    # which is never reached anyway because every model constructor above raises.
    root = _module(
        "torchvision", __version__="0.0.0+colourfr.stand_in", models=models, transforms=transforms
    )
    return {
        "torchvision": root,
        "torchvision.models": models,
        "torchvision.transforms": transforms,
        "torchvision.transforms.functional": functional,
    }


def stand_in_active() -> bool:
    """Whether the torchvision currently in ``sys.modules`` is colourfr's stand-in."""
    module = sys.modules.get("torchvision")
    return bool(module is not None and getattr(module, STAND_IN_MARKER, False))


def _real_torchvision_imports() -> bool:
    if "torchvision" in sys.modules:
        return True
    try:
        importlib.import_module("torchvision")
    except Exception:  # noqa: BLE001 - any failure (RuntimeError, ImportError, OSError) counts
        # A failed import can leave half-initialised submodules behind; drop them so the
        # stand-ins are not shadowed by, or mixed with, broken pieces.
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
        return False
    return True


def ensure_fastai_vision_importable(force_stand_in: bool = False) -> bool:
    """Make ``import fastai.vision.gan`` work; return True if the stand-in was installed.

    ``force_stand_in`` skips the attempt to import the real torchvision (tests use it to
    exercise the stand-in even where torchvision works). It refuses to replace a real
    torchvision that is already imported, since fastai may hold references to it.
    """
    if stand_in_active():
        return True
    if force_stand_in:
        if "torchvision" in sys.modules:
            raise RuntimeError("the real torchvision is already imported; cannot replace it")
    elif _real_torchvision_imports():
        return False
    sys.modules.update(build_stand_in_modules())
    return True


def import_fastai_gan() -> types.ModuleType:
    """Import and return ``fastai.vision.gan``, installing the stand-in when needed."""
    ensure_fastai_vision_importable()
    return importlib.import_module("fastai.vision.gan")
