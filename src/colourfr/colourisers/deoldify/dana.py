"""The original 2018 DeOldify generator (dana-kelley/DeOldify, fastai 0.7): ``Unet34``.

Checkpoint keys: ``rn.*`` (torchvision resnet34 children 0..7), ``up1..up4`` (U-Net blocks),
``up5`` (pixel-shuffle upsampling) and ``out.0`` (3x3 conv to RGB, then tanh). All convs of
the decoder are spectral-normalised in the torch 0.4.1 layout (see
:class:`~colourfr.colourisers.deoldify.layers.LegacySpectralNormConv`).

The decoder reflect-pads each skip to twice the incoming map's size and, at the end,
removes the *accumulated* padding from the bottom/right. For inputs that are not a
multiple of 32 this removes more than it added (a 112x112 input gives a 113x113 output);
this is reproduced on purpose because the published outputs depend on it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from colourfr.colourisers.deoldify.layers import LegacySpectralNormConv, SelfAttention
from colourfr.colourisers.deoldify.resnet import resnet_body


class ConvBlock(nn.Module):
    """fasterai ``ConvBlock`` with 0.4.1 spectral norm: conv(bias) [-> ReLU] [-> BN]."""

    def __init__(
        self, ni: int, no: int, *, ks: int = 3, relu: bool = True, batchnorm: bool = True
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [LegacySpectralNormConv(ni, no, ks, padding=ks // 2)]
        if relu:
            layers.append(nn.ReLU(inplace=True))
        if batchnorm:
            layers.append(nn.BatchNorm2d(no))
        self.seq = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class UpSampleBlock(nn.Module):
    """x2 upsampling: SN conv3x3 -> BN -> PixelShuffle -> BN (no activation, no blur)."""

    def __init__(self, ni: int, nf: int) -> None:
        super().__init__()
        self.sequence = nn.Sequential(
            nn.Sequential(ConvBlock(ni, nf * 4, relu=False)),
            nn.PixelShuffle(2),
            nn.BatchNorm2d(nf),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.sequence(x)


class UnetBlock(nn.Module):
    """cat(upsample(x), SN 1x1 conv(skip)) -> ReLU -> BN [-> self-attention]."""

    def __init__(self, up_in: int, x_in: int, n_out: int, *, self_attention: bool = False) -> None:
        super().__init__()
        half = n_out // 2
        self.x_conv = ConvBlock(x_in, half, ks=1, relu=False, batchnorm=False)
        self.tr_conv = UpSampleBlock(up_in, half)
        self.relu = nn.ReLU(inplace=True)
        out: list[nn.Module] = [nn.BatchNorm2d(n_out)]
        if self_attention:
            out.append(SelfAttention(n_out, legacy=True))
        self.out = nn.Sequential(*out)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.out(self.relu(torch.cat([self.tr_conv(x), self.x_conv(skip)], dim=1)))


class DanaUnet34(nn.Module):
    """``fasterai.generators.Unet34(nf_factor)`` as used by ``Colorizer34``."""

    def __init__(self, nf_factor: int = 2) -> None:
        super().__init__()
        self.nf_factor = nf_factor
        self.rn = resnet_body("resnet34")
        self.relu = nn.ReLU()
        wide = 512 * nf_factor
        self.up1 = UnetBlock(512, 256, wide)
        self.up2 = UnetBlock(wide, 128, wide)
        self.up3 = UnetBlock(wide, 64, wide, self_attention=True)
        self.up4 = UnetBlock(wide, 64, 256 * nf_factor)
        self.up5 = UpSampleBlock(256 * nf_factor, 32 * nf_factor)
        self.out = nn.Sequential(
            ConvBlock(32 * nf_factor, 3, ks=3, relu=False, batchnorm=False), nn.Tanh()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips: list[torch.Tensor] = []
        for index, child in enumerate(self.rn):
            x = child(x)
            if index in (2, 4, 5, 6):
                skips.append(x)
        x = self.relu(x)
        total_h = total_w = 0
        for block, skip in zip((self.up1, self.up2, self.up3, self.up4), reversed(skips)):
            skip, pad_h, pad_w = _reflect_pad_to(skip, 2 * x.shape[2], 2 * x.shape[3])
            total_h += pad_h
            total_w += pad_w
            x = block(x, skip)
        x = self.out(self.up5(x))
        if total_h or total_w:
            x = x[:, :, : x.shape[2] - total_h, : x.shape[3] - total_w]
        return x


def _reflect_pad_to(x: torch.Tensor, height: int, width: int) -> tuple[torch.Tensor, int, int]:
    pad_h = max(height - x.shape[2], 0)
    pad_w = max(width - x.shape[3], 0)
    if pad_h == 0 and pad_w == 0:
        return x, 0, 0
    return F.pad(x, (0, pad_w, 0, pad_h), mode="reflect"), pad_h, pad_w


def build_dana_generator(nf_factor: int = 2) -> DanaUnet34:
    """The dana-kelley ``Colorizer34`` generator (random init, eval mode)."""
    return DanaUnet34(nf_factor).eval()
