"""ResNet bodies with torchvision's parameter names, without torchvision.

DeOldify cuts torchvision's ResNet after ``layer4`` and wraps its eight children in an
``nn.Sequential`` (conv1, bn1, relu, maxpool, layer1..layer4), so checkpoint keys read
``<prefix>.0.weight`` (conv1), ``<prefix>.4.0.conv1.weight`` (layer1, block 0) and so on.
:func:`resnet_body` returns exactly that Sequential. Bottleneck blocks put the stride on
the 3x3 conv, as torchvision does.
"""

from __future__ import annotations

import torch
from torch import nn

#: blocks per stage and whether the stage uses bottleneck blocks
RESNET_CONFIGS: dict[str, tuple[tuple[int, int, int, int], bool]] = {
    "resnet18": ((2, 2, 2, 2), False),
    "resnet34": ((3, 4, 6, 3), False),
    "resnet50": ((3, 4, 6, 3), True),
    "resnet101": ((3, 4, 23, 3), True),
    "resnet152": ((3, 8, 36, 3), True),
}


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def _conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(
        self, in_channels: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(
        self, in_channels: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = _conv1x1(in_channels, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = _conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def _stage(
    block: type[BasicBlock | Bottleneck], in_channels: int, planes: int, blocks: int, stride: int
) -> tuple[nn.Sequential, int]:
    out_channels = planes * block.expansion
    downsample = None
    if stride != 1 or in_channels != out_channels:
        downsample = nn.Sequential(
            _conv1x1(in_channels, out_channels, stride), nn.BatchNorm2d(out_channels)
        )
    layers: list[nn.Module] = [block(in_channels, planes, stride, downsample)]
    layers += [block(out_channels, planes) for _ in range(1, blocks)]
    return nn.Sequential(*layers), out_channels


def resnet_body(name: str) -> nn.Sequential:
    """The eight children of torchvision's ``resnetXX`` up to ``layer4`` (random init)."""
    try:
        blocks, bottleneck = RESNET_CONFIGS[name]
    except KeyError:
        raise ValueError(f"unknown ResNet body {name!r}; known: {sorted(RESNET_CONFIGS)}") from None
    block: type[BasicBlock | Bottleneck] = Bottleneck if bottleneck else BasicBlock
    children: list[nn.Module] = [
        nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2, padding=1),
    ]
    channels = 64
    for index, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks)):
        stage, channels = _stage(block, channels, planes, count, 1 if index == 0 else 2)
        children.append(stage)
    for module in children:
        for sub in module.modules():
            if isinstance(sub, nn.Conv2d):
                nn.init.kaiming_normal_(sub.weight, mode="fan_out", nonlinearity="relu")
    return nn.Sequential(*children)


def skip_channels(name: str) -> tuple[int, int, int, int, int]:
    """Channels of the body outputs DeOldify taps: relu (child 2), layer1, layer2, layer3, layer4."""
    _, bottleneck = RESNET_CONFIGS[name]
    expansion = 4 if bottleneck else 1
    return (64, 64 * expansion, 128 * expansion, 256 * expansion, 512 * expansion)
