"""Memory bounded by design: per-pixel costs, the budget's pixel limit, an
image above it recorded as too_large in each per-image step (never decoded), and job
memory from the shard's largest image."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.colour_fidelity import shard_fidelity
from colourfr.colourisers.exemplar import ExemplarTransferColouriser
from colourfr.colourisers.run import colourise_index
from colourfr.errors import ImageReadError
from colourfr.images import read_rgb
from colourfr.memory import MIB, STEP_BYTES_PER_PIXEL, job_mem_mb, pixel_limit, within_budget
from colourfr.registry import registry_for
from colourfr.variants import make_greyscale

REPO = Path(__file__).resolve().parents[1]
EXEMPLAR = REPO.parent / "shared/data/lfw/images_deepfunneled/Aaron_Eckhart/Aaron_Eckhart_0001.jpg"


def test_pixel_limit_and_job_memory_hand_worked() -> None:
    # 64 MiB at 16 B/px: 4 Mi pixels.
    assert pixel_limit(16, 64) == 4 * MIB
    assert pixel_limit(3, 1) == MIB // 3  # floor
    # 1000 MB fixed + a 2000 x 1000 image at 9 B/px = 17.17 MiB -> 1018 (ceil).
    assert job_mem_mb(1000, 9, 2_000_000, 8000) == 1018
    # Images above the budget are refused unread, so the job never needs more than it.
    assert job_mem_mb(500, 100, 10**10, 2000) == 2500
    with pytest.raises(ValueError):
        pixel_limit(0, 100)


def test_an_image_above_the_budget_is_too_large_and_never_decoded(tmp_path: Path) -> None:
    # huge.png has its pixel data cut off: any attempt to decode it fails as truncated.
    Image.new("RGB", (1, 1)).save(tmp_path / "small.png")
    huge = tmp_path / "huge.png"
    Image.new("L", (1100, 1000)).save(huge)
    huge.write_bytes(huge.read_bytes()[:200])
    with within_budget("a step", 100.0, 1) as limit, pytest.raises(ImageReadError) as error:
        assert limit == MIB // 100  # 10,485 px
        read_rgb(tmp_path / "small.png")  # within the limit: fine
        read_rgb(huge)
    assert error.value.reason == "too_large"
    assert "memory.image_budget_mb" in error.value.detail and "a step" in error.value.detail
    with pytest.raises(ImageReadError) as outside:
        read_rgb(tmp_path / "huge.png")
    assert outside.value.reason == "truncated"  # no limit outside the block


def _index(folder: Path, sizes: dict[str, tuple[int, int]], mode: str = "RGB") -> pd.DataFrame:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    rng = np.random.default_rng(0)
    for name, (width, height) in sizes.items():
        channels = (height, width, 3) if mode == "RGB" else (height, width)
        path = folder / f"{name}.png"
        Image.fromarray(rng.integers(0, 256, channels, dtype=np.uint8)).save(path)
        rows.append({"image_id": name, "path": str(path), "status": "ok", "detail": ""})
    return pd.DataFrame(rows)


SIZES = {"small": (64, 48), "large": (1200, 1000)}  # 3,072 vs 1,200,000 px


def test_greyscale_records_the_image_above_its_budget_as_too_large(tmp_path: Path) -> None:
    index = _index(tmp_path, SIZES)
    # 8 MiB at 9 B/px: 932,067 px: the small image passes, the large one does not.
    with within_budget("greyscale", STEP_BYTES_PER_PIXEL["greyscale"], 8):
        grey = make_greyscale(index, tmp_path / "grey").set_index("image_id")
    assert grey.loc["small", "status"] == "ok"
    assert grey.loc["large", "status"] == "too_large"
    assert "1200x1000" in grey.loc["large", "detail"]


def test_colourisation_and_colour_fidelity_record_too_large(tmp_path: Path) -> None:
    if not EXEMPLAR.is_file():
        pytest.skip("LFW not available")
    grey_index = _index(tmp_path / "grey", SIZES, mode="L")
    spec = registry_for("colourisers").get("exemplar-transfer")
    budget = 1_000_000 * spec.bytes_per_pixel / MIB  # admits 1.0 Mpx, not 1.2
    with within_budget("colouriser", spec.bytes_per_pixel, budget):
        result, _ = colourise_index(
            grey_index,
            tmp_path / "colourised",
            plugin="exemplar-transfer",
            params={},
            batch_size=2,
            colouriser=ExemplarTransferColouriser(exemplar=str(EXEMPLAR)),
        )
    statuses = result.set_index("image_id")["status"]
    assert statuses["small"] == "ok" and statuses["large"] == "too_large"

    original = _index(tmp_path / "original", SIZES)
    original.to_csv(tmp_path / "original.csv", index=False)
    original.to_csv(tmp_path / "colourised.csv", index=False)
    with within_budget("colour fidelity", STEP_BYTES_PER_PIXEL["colour_fidelity"], 8):
        table = shard_fidelity(tmp_path / "original.csv", tmp_path / "colourised.csv")
    table = table.set_index("image_id")
    assert table.loc["small", "status"] == "ok"
    assert table.loc["large", "status"] == "original:too_large"


def test_every_plugin_declares_a_measured_cost_per_pixel() -> None:
    # The built-in plugins carry a figure at or above the benchmark's measurement on its
    # largest image (smaller ones add the fixed block buffers, part of the fixed mem_mb).
    recorded = REPO / "bench" / "memory" / "per_pixel_peaks.json"
    rows = json.loads(recorded.read_text())["rows"]
    largest = max(rows, key=lambda row: np.prod([int(v) for v in row["size"].split("x")]))
    measured = {
        row["step"]: row["bytes_per_pixel"] for row in rows if row["size"] == largest["size"]
    }
    costs = {
        "greyscale": STEP_BYTES_PER_PIXEL["greyscale"],
        "colour_fidelity": STEP_BYTES_PER_PIXEL["colour_fidelity"],
        "exemplar-transfer": registry_for("colourisers").get("exemplar-transfer").bytes_per_pixel,
        "deoldify / trained-unet post-processing": registry_for("colourisers")
        .get("trained-unet")
        .bytes_per_pixel,
        "insightface-arcface": registry_for("recognition")
        .get("insightface-arcface")
        .bytes_per_pixel,
        "dlib-resnet": registry_for("recognition").get("dlib-resnet").bytes_per_pixel,
        "lightqnet": registry_for("quality").get("lightqnet").bytes_per_pixel,
    }
    for step, cost in costs.items():
        assert cost >= measured[step], f"{step}: declared {cost} B/px, measured {measured[step]}"
