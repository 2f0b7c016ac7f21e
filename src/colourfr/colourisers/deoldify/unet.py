"""The jantic DeOldify generators (``DynamicUnetWide`` / ``DynamicUnetDeep``), parametric.

One class, :class:`DeOldifyUnet`, covers both published layouts and smaller variants for
the workflow's self-trained colouriser:

* ``kind="wide"``  - ``DynamicUnetWide``: each decoder block has one conv of width
  ``512 * nf_factor / 2`` ("stable" and "video": resnet101, nf_factor 2);
* ``kind="deep"``  - ``DynamicUnetDeep``: each block has two convs whose width is
  ``nf_factor`` times the concatenated input ("artistic": resnet34, nf_factor 1.5).

Module indices follow fastai's ``SequentialEx`` so published checkpoints load with
``strict=True``: ``layers.0`` ResNet body, ``1`` BatchNorm, ``2`` ReLU, ``3`` middle conv
pair, ``4..7`` decoder blocks, ``8`` final pixel shuffle, ``9`` merge with the input,
``10`` residual block, ``11`` 1x1 conv to 3 channels, ``12`` sigmoid range.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from colourfr.colourisers.deoldify.layers import (
    SpectralNormConv,
    sigmoid_range,
    sn_conv_block,
    sn_pixel_shuffle,
    wn_pixel_shuffle,
)
from colourfr.colourisers.deoldify.resnet import RESNET_CONFIGS, resnet_body, skip_channels

UnetKind = Literal["wide", "deep"]

#: indices of the ResNet-body children whose outputs feed the decoder (relu, layer1..3);
#: these are where the spatial size changes, as fastai's ``_get_sfs_idxs`` finds them.
SKIP_CHILDREN = (2, 4, 5, 6)


@dataclass(frozen=True)
class UnetConfig:
    """Everything that determines a generator's architecture (stored next to checkpoints)."""

    kind: UnetKind = "wide"
    body: str = "resnet101"
    nf_factor: float = 2.0
    self_attention: bool = True
    blur: bool = True
    y_range: tuple[float, float] = (-3.0, 3.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: The published jantic generators.
STABLE = UnetConfig(kind="wide", body="resnet101", nf_factor=2.0)
VIDEO = STABLE
ARTISTIC = UnetConfig(kind="deep", body="resnet34", nf_factor=1.5)


class UnetBlockWide(nn.Module):
    """Upsample ``x``, concatenate the batch-normalised skip, ReLU, one SN conv (+attention)."""

    def __init__(
        self, up_in: int, skip_in: int, n_out: int, *, self_attention: bool, blur: bool
    ) -> None:
        super().__init__()
        half = n_out // 2
        self.shuf = sn_pixel_shuffle(up_in, half, blur=blur)
        self.bn = nn.BatchNorm2d(skip_in)
        self.conv = sn_conv_block(half + skip_in, half, self_attention=self_attention)
        self.relu = nn.ReLU()
        self.out_channels = half

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(_merge_skip(self.shuf(x), self.bn(skip), self.relu))


class UnetBlockDeep(nn.Module):
    """Upsample ``x``, concatenate the batch-normalised skip, ReLU, two SN convs (+attention)."""

    def __init__(
        self,
        up_in: int,
        skip_in: int,
        *,
        final_div: bool,
        nf_factor: float,
        self_attention: bool,
        blur: bool,
    ) -> None:
        super().__init__()
        self.shuf = sn_pixel_shuffle(up_in, up_in // 2, blur=blur)
        self.bn = nn.BatchNorm2d(skip_in)
        ni = up_in // 2 + skip_in
        nf = int((ni if final_div else ni // 2) * nf_factor)
        self.conv1 = sn_conv_block(ni, nf)
        self.conv2 = sn_conv_block(nf, nf, self_attention=self_attention)
        self.relu = nn.ReLU()
        self.out_channels = nf

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(_merge_skip(self.shuf(x), self.bn(skip), self.relu)))


def _merge_skip(up: torch.Tensor, skip: torch.Tensor, relu: nn.Module) -> torch.Tensor:
    # At odd sizes (e.g. render factor 7) the upsampled map is one pixel larger than the
    # skip; the original resizes it with *nearest* interpolation, not bilinear.
    if up.shape[-2:] != skip.shape[-2:]:
        up = F.interpolate(up, skip.shape[-2:], mode="nearest")
    return relu(torch.cat([up, skip], dim=1))


class DenseMerge(nn.Module):
    """Placeholder for fastai's ``MergeLayer(dense=True)``; the concatenation happens in
    :meth:`DeOldifyUnet.forward`, which has the network input at hand."""

    def forward(self, x: torch.Tensor, network_input: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, network_input], dim=1)


class ResBlock(nn.Module):
    """fastai ``res_block`` with spectral norm: ``relu(conv(relu(conv(x)))) + x`` (biased, no BN)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            [
                sn_conv_block(channels, channels, batchnorm=False),
                sn_conv_block(channels, channels, batchnorm=False),
                nn.Identity(),  # index 2: the residual MergeLayer (no parameters)
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers[1](self.layers[0](x)) + x


class SigmoidRange(nn.Module):
    def __init__(self, low: float, high: float) -> None:
        super().__init__()
        self.low, self.high = low, high

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sigmoid_range(x, self.low, self.high)


class DeOldifyUnet(nn.Module):
    """Parametric jantic DeOldify generator (see module docstring for the layout)."""

    def __init__(self, config: UnetConfig = STABLE) -> None:
        super().__init__()
        if config.body not in RESNET_CONFIGS:
            raise ValueError(f"unknown body {config.body!r}; known: {sorted(RESNET_CONFIGS)}")
        if config.kind not in ("wide", "deep"):
            raise ValueError(f"unknown U-Net kind {config.kind!r}; use 'wide' or 'deep'")
        self.config = config
        channels = skip_channels(config.body)
        bottom = channels[-1]
        decoder_skips = list(reversed(channels[:4]))  # layer3, layer2, layer1, stem relu
        layers: list[nn.Module] = [
            resnet_body(config.body),
            nn.BatchNorm2d(bottom),
            nn.ReLU(),
            nn.Sequential(sn_conv_block(bottom, bottom * 2), sn_conv_block(bottom * 2, bottom)),
        ]
        up_in = bottom
        wide_nf = int(512 * config.nf_factor)
        for index, skip_in in enumerate(decoder_skips):
            final = index == len(decoder_skips) - 1
            # fastai puts attention in the block at index len(skips) - 3 (the second one).
            attention = config.self_attention and index == len(decoder_skips) - 3
            block: UnetBlockWide | UnetBlockDeep
            if config.kind == "wide":
                block = UnetBlockWide(
                    up_in,
                    skip_in,
                    wide_nf // 2 if final else wide_nf,
                    self_attention=attention,
                    blur=config.blur,
                )
            else:
                block = UnetBlockDeep(
                    up_in,
                    skip_in,
                    final_div=not final,
                    nf_factor=config.nf_factor,
                    self_attention=attention,
                    blur=config.blur,
                )
            layers.append(block)
            up_in = block.out_channels
        merged = up_in + 3
        layers += [
            wn_pixel_shuffle(up_in, blur=config.blur),
            DenseMerge(),
            ResBlock(merged),
            nn.Sequential(SpectralNormConv(merged, 3, 1, bias=True)),
            SigmoidRange(*config.y_range),
        ]
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        body: nn.Sequential = self.layers[0]  # type: ignore[assignment]
        skips: list[torch.Tensor] = []
        h = x
        for index, child in enumerate(body):
            h = child(h)
            if index in SKIP_CHILDREN:
                skips.append(h)
        h = self.layers[3](self.layers[2](self.layers[1](h)))
        for block, skip in zip(self.layers[4:8], reversed(skips)):
            h = block(h, skip)
        h = self.layers[8](h)
        h = self.layers[9](h, x)
        h = self.layers[10](h)
        h = self.layers[11](h)
        return self.layers[12](h)


def build_jantic_generator(
    kind: UnetKind = "wide",
    body: str = "resnet101",
    nf_factor: float = 2.0,
    *,
    self_attention: bool = True,
    blur: bool = True,
    y_range: tuple[float, float] = (-3.0, 3.0),
) -> DeOldifyUnet:
    """Build a jantic-style generator (random init, eval mode).

    ``build_jantic_generator("wide", "resnet101", 2)`` is the stable/video layout and
    ``build_jantic_generator("deep", "resnet34", 1.5)`` the artistic one; smaller bodies
    (``resnet18``) and factors make cheap variants with the same code path.
    """
    model = DeOldifyUnet(
        UnetConfig(
            kind=kind,
            body=body,
            nf_factor=float(nf_factor),
            self_attention=self_attention,
            blur=blur,
            y_range=(float(y_range[0]), float(y_range[1])),
        )
    )
    return model.eval()
