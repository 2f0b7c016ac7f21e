"""Shared test fixtures: paths into ../shared (read in place, never copied), and the
synthetic inputs several recognition systems are tested on."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LFW_ROOT = SHARED / "data" / "lfw"


@pytest.fixture(scope="session")
def lfw_root() -> Path:
    if not (LFW_ROOT / "images_deepfunneled").is_dir():
        pytest.skip(f"LFW not found at {LFW_ROOT}")
    return LFW_ROOT


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def reduced_experiment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The whole experiment on config/reduced.yaml, run once, uninterrupted:
    (results folder, the --configfile arguments that made it)."""
    if not (LFW_ROOT / "pairs.txt").is_file():
        pytest.skip("../shared LFW not available")
    results = tmp_path_factory.mktemp("experiment")
    overlay = results / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"results_dir": str(results)}))
    configs = ["--configfile", str(REPO / "config" / "reduced.yaml"), str(overlay)]
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    result = subprocess.run(
        [snakemake, "--cores", "2", *configs],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3000,
        check=False,
    )
    # What the user saw (ends in .log: left out of result comparisons).
    (results / "snakemake-console.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise AssertionError(f"the reduced experiment failed:\n{result.stdout}\n{result.stderr}")
    return results, configs


HUGE_STRIP_WIDTH = 8200  # the "huge": a longer side above 8000 px
HUGE_FACE_LEFT = 4000


@pytest.fixture(scope="session")
def face_on_huge_strip() -> Callable[[np.ndarray], tuple[np.ndarray, int]]:
    """``make(face) -> (strip, left)``: the face enlarged 4x to 1000 px on a
    1000 x 8200 grey strip, starting at column ``left``."""
    from PIL import Image

    def make(face: np.ndarray) -> tuple[np.ndarray, int]:
        enlarged = np.asarray(Image.fromarray(face).resize((1000, 1000), Image.BICUBIC))
        strip = np.full((1000, HUGE_STRIP_WIDTH, 3), 90, np.uint8)
        strip[:, HUGE_FACE_LEFT : HUGE_FACE_LEFT + 1000] = enlarged
        return strip, HUGE_FACE_LEFT

    return make
