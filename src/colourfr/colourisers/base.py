"""The colouriser interface.

A colouriser receives greyscale face images (H x W, uint8, the project's
Rec. 709 luma variant) and returns RGB images of the same size (H x W x 3, uint8).
Implementations that keep the input luminance (DeOldify does) must document it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Colouriser(Protocol):
    """Turns greyscale images into colour images."""

    name: str

    def colourise(self, grey_images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Colourise a batch; each input is (H, W) uint8, each output (H, W, 3) uint8 RGB."""
        ...

    def provenance(self) -> dict[str, Any]:
        """What a reviewer needs to reproduce the output (weights sha256, settings)."""
        ...
