"""Shared test fixtures: paths into ../shared (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
