"""Memory per image, bounded by design: what each per-image step costs per pixel, the
largest image a step may take within the configured budget, and each job's ``mem_mb``.

Every per-image step (decoding, greyscale, colourisation, colour fidelity, quality,
recognition) holds one image at a time. Its peak memory is a fixed part (libraries,
models: the instance's configured ``mem_mb``) plus a part proportional to the image's
pixels. The proportional part is measured per step by bench/memory/bench_per_pixel_peaks.py
(peak RSS of one image, decoding included; docs/benchmarks.md) and recorded here, rounded
up. With ``memory.image_budget_mb`` from the config:

- an image whose proportional part would exceed the budget is never decoded: the step
  records it with reason ``too_large`` (a failure to acquire of that variant), judged from
  its header (:func:`colourfr.images.image_pixel_limit`);
- each job asks the scheduler for its fixed part plus the proportional part of the
  largest image of its shard that is within the budget (:func:`job_mem_mb`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from colourfr.images import image_pixel_limit

MIB = 1 << 20

#: Peak bytes per pixel of the steps the workflow itself runs (decoding included), rounded
#: up from bench/memory/per_pixel_peaks.json. Plugins carry their own figure in their
#: spec (``PluginSpec.bytes_per_pixel``).
STEP_BYTES_PER_PIXEL: dict[str, float] = {
    # read_rgb: Pillow's decoded image (4 B/px), the RGB array (3 B/px), codec buffers
    "decode": 10.0,
    # decode, then Rec. 709 luma in row blocks (1 B/px more)
    "greyscale": 11.0,
    # two decoded images, CIELAB conversions in row blocks
    "colour_fidelity": 24.0,
}

#: Default of ``memory.image_budget_mb`` in the config schema.
DEFAULT_IMAGE_BUDGET_MB = 8000


def pixel_limit(bytes_per_pixel: float, budget_mb: float) -> int:
    """The most pixels an image may have for a step costing ``bytes_per_pixel`` to stay
    within ``budget_mb`` (MiB)."""
    if bytes_per_pixel <= 0 or budget_mb <= 0:
        raise ValueError("bytes_per_pixel and budget_mb must be positive")
    return math.floor(budget_mb * MIB / bytes_per_pixel)


def job_mem_mb(
    fixed_mb: float, bytes_per_pixel: float, largest_pixels: int, budget_mb: float
) -> int:
    """``mem_mb`` of a job: its fixed part plus the per-pixel part of the largest image it
    will actually process (images above the budget's pixel limit are refused unread)."""
    processed = min(largest_pixels, pixel_limit(bytes_per_pixel, budget_mb))
    return math.ceil(fixed_mb + processed * bytes_per_pixel / MIB)


@contextmanager
def within_budget(step: str, bytes_per_pixel: float, budget_mb: float) -> Iterator[int]:
    """Images decoded inside this block above the step's pixel limit are ``too_large``.

    Yields the limit (pixels)."""
    limit = pixel_limit(bytes_per_pixel, budget_mb)
    why = (
        f"{step} needs {bytes_per_pixel:g} B/px; memory.image_budget_mb = {budget_mb:g} "
        "allows at most this"
    )
    with image_pixel_limit(limit, why):
        yield limit
