"""Downloadable weights of the colourisers (pure data, no heavy imports).

DeOldify (jantic/DeOldify, MIT licence)
    The generator checkpoints linked from the DeOldify README ("Completed Generator
    Weights"): data.deepai.org is the current official host, with the Hugging Face mirror
    ``spensercai/DeOldify`` as a fallback. The files are bare PyTorch state_dicts
    (legacy pickle format), loaded here with ``torch.load(weights_only=True)``.
    Sizes: stable and video 874,066,230 bytes each, artistic 255,144,681 bytes.

    **No sha256 is recorded**: the DeOldify authors publish none and the real files could
    not be fetched where this catalogue was written, so any digest here would be invented
    and would make every genuine copy fail. What protects the run instead: the exact size
    (catches truncated and wrong files before any work), then the loader checks that every
    state-dict key and shape matches the network before it is used. Users who need a pinned
    artefact should record the sha256 of their copy (the colouriser reports it in its
    provenance) and pin it, e.g. with ``dataclasses.replace(DEOLDIFY_STABLE, sha256=...)``.

DeOldify 2018 (dana-kelley/DeOldify, the original fastai 0.7 version)
    ``colorize_gen_192.h5``: the README's "Pretrained Weights" Dropbox link (a torch pickle
    despite the extension; about 560 MB, exact published size unknown, so no size check).
    Dropbox links of that era are often dead; download it yourself and set ``weights``.
"""

from __future__ import annotations

from colourfr.assets import Asset

_MIT = "MIT (jantic/DeOldify)"
_HF_MIRROR = "https://huggingface.co/spensercai/DeOldify/resolve/main/"


def _jantic_release(name: str, filename: str, size: int) -> Asset:
    """A DeOldify generator of jantic's releases: DeepAI's host first, then the mirror."""
    return Asset(
        name=name,
        urls=("https://data.deepai.org/deoldify/" + filename, _HF_MIRROR + filename),
        sha256=None,  # not published; see the module docstring
        size=size,
        filename=filename,
        licence=_MIT,
    )


DEOLDIFY_STABLE = _jantic_release("deoldify-stable", "ColorizeStable_gen.pth", 874_066_230)
DEOLDIFY_VIDEO = _jantic_release("deoldify-video", "ColorizeVideo_gen.pth", 874_066_230)
DEOLDIFY_ARTISTIC = _jantic_release("deoldify-artistic", "ColorizeArtistic_gen.pth", 255_144_681)

DEOLDIFY_DANA = Asset(
    name="deoldify-dana",
    urls=("https://www.dropbox.com/s/7r2wu0af6okv280/colorize_gen_192.h5?dl=1",),
    sha256=None,  # not published
    size=None,  # not published
    filename="colorize_gen_192.h5",
    licence="MIT (dana-kelley/DeOldify)",
)

ASSETS: list[Asset] = [DEOLDIFY_STABLE, DEOLDIFY_VIDEO, DEOLDIFY_ARTISTIC, DEOLDIFY_DANA]
