"""Building blocks of the DeOldify generators, in plain PyTorch.

Each module stores its tensors under exactly the names the published checkpoints use,
so that ``load_state_dict(strict=True)`` works on the original files:

* :class:`SpectralNormConv` - torch>=1.0 spectral-norm layout (``weight_orig`` parameter,
  ``weight_u`` / ``weight_v`` buffers, optional ``bias``), used by the jantic generators.
* :class:`LegacySpectralNormConv` - torch 0.4.1 layout (``weight_orig`` parameter, ``weight``
  and ``weight_u`` buffers), used by the 2018 dana-kelley generator; in eval mode 0.4.1 used
  the stored ``weight`` buffer as is, so this module does too.
* :class:`WeightNormConv2d` - ``weight_g`` / ``weight_v`` layout of ``torch.nn.utils.weight_norm``.
* :class:`SelfAttention` - SAGAN-style attention over the flattened spatial positions.

The spectral-norm convs also train: in training mode they run one power iteration per
forward (as ``torch.nn.utils.spectral_norm`` does), which the self-trained colouriser needs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

_SN_EPS = 1e-12


def _conv_forward(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, padding: int, stride: int
) -> torch.Tensor:
    if weight.dim() == 3:
        return F.conv1d(x, weight, bias, stride=stride, padding=padding)
    return F.conv2d(x, weight, bias, stride=stride, padding=padding)


def _kaiming_weight(shape: tuple[int, ...]) -> torch.Tensor:
    weight = torch.empty(shape)
    nn.init.kaiming_normal_(weight)
    return weight


class SpectralNormConv(nn.Module):
    """Conv1d/Conv2d whose weight is divided by its spectral norm estimate ``u . W v``.

    Eval mode uses the stored ``weight_u`` / ``weight_v`` without a power iteration
    (exactly what torch's spectral_norm hook does in eval), so a loaded checkpoint gives
    the same output as the original code. Training mode updates ``u``/``v`` in place first.
    """

    weight_u: torch.Tensor
    weight_v: torch.Tensor

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        bias: bool,
        padding: int | None = None,
        stride: int = 1,
        dims: int = 2,
    ) -> None:
        super().__init__()
        if padding is None:
            padding = (kernel_size - 1) // 2
        self.padding = padding
        self.stride = stride
        shape = (out_channels, in_channels) + (kernel_size,) * dims
        # Registration order (bias first) reproduces the checkpoints' key order.
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_orig = nn.Parameter(_kaiming_weight(shape))
        fan_in = in_channels * kernel_size**dims
        self.register_buffer("weight_u", F.normalize(torch.randn(out_channels), dim=0, eps=_SN_EPS))
        self.register_buffer("weight_v", F.normalize(torch.randn(fan_in), dim=0, eps=_SN_EPS))
        self._cache_key: tuple[int, ...] | None = None
        self._cached_weight: torch.Tensor | None = None
        self._init_power_iterations()

    @torch.no_grad()
    def _init_power_iterations(self, steps: int = 15) -> None:
        # Random u, v give a near-zero, random-sign "sigma" and an exploding weight; a few
        # power iterations make a freshly built network sane before any training (as
        # torch.nn.utils.parametrizations.spectral_norm does). Loading a checkpoint
        # replaces u and v anyway.
        weight_mat = self.weight_orig.reshape(self.weight_orig.shape[0], -1)
        u, v = self.weight_u, self.weight_v
        for _ in range(steps):
            v = F.normalize(torch.mv(weight_mat.t(), u), dim=0, eps=_SN_EPS)
            u = F.normalize(torch.mv(weight_mat, v), dim=0, eps=_SN_EPS)
        self.weight_u.copy_(u)
        self.weight_v.copy_(v)

    def _state_key(self) -> tuple[int, ...]:
        # Identity, storage and in-place version of the three tensors: any load, .to() or
        # optimiser step changes at least one of them and so invalidates the cache.
        key: list[int] = []
        for tensor in (self.weight_orig, self.weight_u, self.weight_v):
            key += [id(tensor), tensor.data_ptr(), tensor._version]
        return tuple(key)

    def normalised_weight(self) -> torch.Tensor:
        if self.training or torch.is_grad_enabled():
            return self._compute_weight()
        # Inference: the weight only changes with the parameters, so compute it once instead
        # of every forward (saves a pass over all weights per forward).
        key = self._state_key()
        if self._cached_weight is None or key != self._cache_key:
            self._cached_weight = self._compute_weight()
            self._cache_key = key
        return self._cached_weight

    def _compute_weight(self) -> torch.Tensor:
        # Always in the parameters' own precision: under fp16 autocast the conv casts the
        # result itself, and the cache must not hold a half-precision copy.
        with torch.autocast(self.weight_orig.device.type, enabled=False):
            return self._power_iteration_weight()

    def _power_iteration_weight(self) -> torch.Tensor:
        weight_mat = self.weight_orig.reshape(self.weight_orig.shape[0], -1)
        u, v = self.weight_u, self.weight_v
        if self.training:
            with torch.no_grad():
                v = F.normalize(torch.mv(weight_mat.t(), u), dim=0, eps=_SN_EPS)
                u = F.normalize(torch.mv(weight_mat, v), dim=0, eps=_SN_EPS)
                self.weight_u.copy_(u)
                self.weight_v.copy_(v)
            u, v = u.clone(), v.clone()
        sigma = torch.dot(u, torch.mv(weight_mat, v))
        return self.weight_orig / sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _conv_forward(x, self.normalised_weight(), self.bias, self.padding, self.stride)


class LegacySpectralNormConv(nn.Module):
    """Spectral-norm conv in the torch 0.4.1 checkpoint layout (dana-kelley generator).

    0.4.1 kept the normalised weight as a buffer named ``weight`` and, in eval mode, used
    it unchanged; ``weight_orig`` and ``weight_u`` are only carried for strict loading.
    """

    weight: torch.Tensor
    weight_u: torch.Tensor

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        bias: bool = True,
        padding: int | None = None,
        dims: int = 2,
    ) -> None:
        super().__init__()
        if padding is None:
            padding = kernel_size // 2
        self.padding = padding
        shape = (out_channels, in_channels) + (kernel_size,) * dims
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_orig = nn.Parameter(_kaiming_weight(shape))
        self.register_buffer("weight", self.weight_orig.detach().clone())
        self.register_buffer("weight_u", F.normalize(torch.randn(out_channels), dim=0, eps=_SN_EPS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _conv_forward(x, self.weight, self.bias, self.padding, 1)


class WeightNormConv2d(nn.Module):
    """Conv2d with ``weight = g * v / ||v||`` (norm over all dims but the output channel)."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int = 1, *, bias: bool = True
    ) -> None:
        super().__init__()
        self.padding = (kernel_size - 1) // 2
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        v = _kaiming_weight((out_channels, in_channels, kernel_size, kernel_size))
        self.weight_g = nn.Parameter(v.flatten(1).norm(dim=1).reshape(-1, 1, 1, 1))
        self.weight_v = nn.Parameter(v)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = torch._weight_norm(self.weight_v, self.weight_g, 0)
        return F.conv2d(x, weight, self.bias, padding=self.padding)


class SelfAttention(nn.Module):
    """SAGAN self-attention: ``gamma * h @ softmax(f^T g, dim=1) + x``.

    The softmax runs over dim 1 (the query positions) as in both DeOldify versions; the
    fixtures show that dim 2 moves the output by ~4.4, so this is not a free choice.
    ``legacy=True`` gives the dana-kelley variant: biased convs, 0-d ``gamma``, 0.4.1 layout.
    """

    def __init__(self, channels: int, *, legacy: bool = False) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(()) if legacy else torch.zeros(1))
        reduced = channels // 8
        if legacy:
            self.query: nn.Module = LegacySpectralNormConv(channels, reduced, 1, dims=1, padding=0)
            self.key: nn.Module = LegacySpectralNormConv(channels, reduced, 1, dims=1, padding=0)
            self.value: nn.Module = LegacySpectralNormConv(channels, channels, 1, dims=1, padding=0)
        else:
            self.query = SpectralNormConv(channels, reduced, 1, bias=False, dims=1)
            self.key = SpectralNormConv(channels, reduced, 1, bias=False, dims=1)
            self.value = SpectralNormConv(channels, channels, 1, bias=False, dims=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        flat = x.reshape(shape[0], shape[1], -1)
        f, g, h = self.query(flat), self.key(flat), self.value(flat)
        beta = F.softmax(torch.bmm(f.transpose(1, 2), g), dim=1)
        out = self.gamma * torch.bmm(h, beta) + flat
        return out.reshape(shape)


def sn_conv_block(
    in_channels: int,
    out_channels: int,
    *,
    kernel_size: int = 3,
    relu: bool = True,
    batchnorm: bool = True,
    self_attention: bool = False,
) -> nn.Sequential:
    """DeOldify's ``custom_conv_layer`` with spectral norm: conv [-> ReLU] [-> BN] [-> attention].

    BatchNorm comes *after* the ReLU; the conv has a bias only when there is no BatchNorm.
    """
    layers: list[nn.Module] = [
        SpectralNormConv(in_channels, out_channels, kernel_size, bias=not batchnorm)
    ]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    if batchnorm:
        layers.append(nn.BatchNorm2d(out_channels))
    if self_attention:
        layers.append(SelfAttention(out_channels))
    return nn.Sequential(*layers)


class BlurPixelShuffle(nn.Module):
    """Pixel-shuffle upsampling (x2) followed by the anti-checkerboard blur.

    ``conv`` produces 4x the output channels; the forward is conv -> ReLU -> shuffle ->
    replication pad (left/top by 1) -> 2x2 average pool with stride 1. The published
    generators always blur (fastai 1.0.51 tested ``if self.blur`` on a module), hence the
    default ``blur=True``.
    """

    def __init__(self, conv: nn.Module, *, blur: bool = True) -> None:
        super().__init__()
        self.conv = conv
        self.shuf = nn.PixelShuffle(2)
        self.pad = nn.ReplicationPad2d((1, 0, 1, 0))
        self.blur = nn.AvgPool2d(2, stride=1)
        self.relu = nn.ReLU(inplace=True)
        self.apply_blur = blur

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.shuf(self.relu(self.conv(x)))
        return self.blur(self.pad(x)) if self.apply_blur else x


def sn_pixel_shuffle(in_channels: int, out_channels: int, *, blur: bool = True) -> BlurPixelShuffle:
    """DeOldify's ``CustomPixelShuffle_ICNR``: SN 1x1 conv -> BN (no ReLU inside the conv block)."""
    conv = sn_conv_block(in_channels, out_channels * 4, kernel_size=1, relu=False)
    first: SpectralNormConv = conv[0]  # type: ignore[assignment]
    _icnr_(first.weight_orig)
    return BlurPixelShuffle(conv, blur=blur)


def wn_pixel_shuffle(channels: int, *, blur: bool = True) -> BlurPixelShuffle:
    """fastai's ``PixelShuffle_ICNR``: weight-norm 1x1 conv with bias (final upsampling)."""
    weight_norm_conv = WeightNormConv2d(channels, channels * 4, 1)
    _icnr_(weight_norm_conv.weight_v)
    conv = nn.Sequential(weight_norm_conv)
    return BlurPixelShuffle(conv, blur=blur)


def _icnr_(weight: torch.Tensor, scale: int = 2) -> None:
    """ICNR init (sub-kernels repeated so the shuffle starts as nearest upsampling)."""
    out_channels = weight.shape[0] // scale**2
    sub = _kaiming_weight((out_channels,) + tuple(weight.shape[1:]))
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(scale**2, dim=0))


def sigmoid_range(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    return torch.sigmoid(x) * (high - low) + low
