"""DeOldify re-implemented in plain PyTorch (no fastai, no torchvision).

Public API (importing this package imports torch):

* :func:`build_jantic_generator` / :class:`DeOldifyUnet` / :class:`UnetConfig` - the
  parametric jantic U-Net (``STABLE``, ``VIDEO``, ``ARTISTIC`` are the published configs);
* :func:`build_dana_generator` - the 2018 dana-kelley ``Unet34``;
* :func:`colourise_batch`, :func:`colourise_image` - the original image paths, "jantic"
  or "dana" (see ``pipeline``).
"""

from colourfr.colourisers.deoldify.dana import DanaUnet34, build_dana_generator
from colourfr.colourisers.deoldify.pipeline import (
    DEFAULT_RENDER_FACTOR,
    colourise_batch,
    colourise_image,
)
from colourfr.colourisers.deoldify.unet import (
    ARTISTIC,
    STABLE,
    VIDEO,
    DeOldifyUnet,
    UnetConfig,
    build_jantic_generator,
)

__all__ = [
    "ARTISTIC",
    "DEFAULT_RENDER_FACTOR",
    "STABLE",
    "VIDEO",
    "DanaUnet34",
    "DeOldifyUnet",
    "UnetConfig",
    "build_dana_generator",
    "build_jantic_generator",
    "colourise_batch",
    "colourise_image",
]
