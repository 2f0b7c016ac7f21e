"""Shared fixtures and the test tiers.

Tiers, marked here from the fixtures a test uses (never by hand):

- ``workflow``: starts Snakemake (the ``snakemake`` fixture) or reads a whole experiment;
- ``faults``: kills processes mid-write (the ``fault_injection`` fixture);
- everything else is a unit test: ``make test-unit`` runs only those.

``make test`` runs every tier on pytest-xdist workers. The reduced experiment that many
workflow tests read is built once per session, in the background from the end of
collection (tests/helpers/experiment.py); its readers run last and the tests with
experiments of their own first, so that the workers rarely wait. Paths into ../shared
are read in place, never copied.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers.data import TINY_PEOPLE
from helpers.experiment import SharedExperiment, locked
from helpers.snakemake import ALLOWED_TESTS, Snakemake

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LFW_ROOT = SHARED / "data" / "lfw"
FAULT_INJECTION = Path(__file__).resolve().parent / "fault_injection"

#: Fixtures whose users are workflow tests, and the one whose users are fault tests.
WORKFLOW_FIXTURES = frozenset({"snakemake", "reduced_experiment"})
FAULT_FIXTURES = frozenset({"fault_injection"})


def run_order(item: pytest.Item) -> int:
    """0: tests that start experiments of their own (the long ones, first); 1: the rest;
    2: readers of the shared reduced experiment (last: it is built meanwhile)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    if "reduced_experiment" in fixtures:
        return 2
    return 0 if fixtures & (FAULT_FIXTURES | {"snakemake"}) else 1


@pytest.hookimpl(tryfirst=True)  # before -m deselects by the marks added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & FAULT_FIXTURES:
            item.add_marker(pytest.mark.faults)
        if fixtures & WORKFLOW_FIXTURES:
            item.add_marker(pytest.mark.workflow)
        if fixtures & (FAULT_FIXTURES | {"snakemake"}):
            ALLOWED_TESTS.add(item.nodeid)
    items.sort(key=run_order)  # stable: the file order within each group


def _session_folder(config: pytest.Config) -> Path:
    """The folder of this session that every xdist worker sees (see ``shared_tmp``)."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def pytest_collection_finish(session: pytest.Session) -> None:
    # Selected (after -m and -k) tests read the shared experiment: start building it now.
    if (LFW_ROOT / "pairs.txt").is_file() and any(
        "reduced_experiment" in getattr(item, "fixturenames", ()) for item in session.items
    ):
        SharedExperiment(_session_folder(session.config)).start()


@pytest.fixture(scope="session")
def lfw_root() -> Path:
    if not (LFW_ROOT / "images_deepfunneled").is_dir():
        pytest.skip(f"LFW not found at {LFW_ROOT}")
    return LFW_ROOT


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def snakemake() -> Snakemake:
    """Starts the workflow; asking for it makes a test a `workflow` test."""
    return Snakemake()


@pytest.fixture(scope="session")
def fault_injection() -> Callable[..., dict[str, str]]:
    """``env(patterns, state=None, scope=None)``: the environment under which a Python
    process is killed at the commit of an output matching one of the patterns
    (tests/fault_injection/sitecustomize.py says how); asking for it makes a test a
    `faults` test."""

    def env(patterns: list[str], state: Path | None = None, scope: str | None = None) -> dict:
        path = os.pathsep.join(
            [str(FAULT_INJECTION), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        variables = {"PYTHONPATH": path, "COLOURFR_KILL_BEFORE_COMMIT": ";".join(patterns)}
        if state is not None:
            variables["COLOURFR_KILL_STATE"] = str(state)
        if scope is not None:
            variables["COLOURFR_KILL_SCOPE"] = scope
        return {**os.environ, **variables}

    return env


@pytest.fixture(scope="session")
def shared_tmp(pytestconfig: pytest.Config) -> Path:
    """A folder of this test session that every xdist worker sees (the session's own
    temporary root: no other session shares it)."""
    return _session_folder(pytestconfig)


@pytest.fixture(scope="session")
def reduced_experiment(shared_tmp: Path) -> tuple[Path, list[str]]:
    """The whole experiment on config/reduced.yaml, run once per test session,
    uninterrupted: (results folder, the --configfile arguments that made it). Read it;
    tests that change it take ``experiment_copy``."""
    if not (LFW_ROOT / "pairs.txt").is_file():
        pytest.skip("../shared LFW not available")
    return SharedExperiment(shared_tmp).wait()


@pytest.fixture
def experiment_copy(reduced_experiment: tuple[Path, list[str]], tmp_path: Path) -> Path:
    """A copy of the reduced experiment's results (timestamps kept, so Snakemake sees
    them up to date) that a test may change; the --configfile overlay points at it."""
    reference, _ = reduced_experiment
    results = tmp_path / "results"
    shutil.copytree(reference, results, symlinks=True)
    return results


@pytest.fixture(scope="session")
def tiny_dataset(lfw_root: Path, shared_tmp: Path) -> Path:
    """A folder dataset (root/<subject>/<image>) of two LFW subjects, three images each,
    copied once per session."""
    root = shared_tmp / "tiny-dataset"
    with locked(shared_tmp / "tiny-dataset.lock"):
        if not root.is_dir():
            building = shared_tmp / "tiny-dataset.building"
            shutil.rmtree(building, ignore_errors=True)
            for person, count in TINY_PEOPLE.items():
                (building / person).mkdir(parents=True)
                for image in sorted((lfw_root / "images_deepfunneled" / person).glob("*.jpg"))[
                    :count
                ]:
                    shutil.copy2(image, building / person / image.name)
            building.rename(root)
    return root


HUGE_STRIP_WIDTH = 8200  # a longer side above 8000 px
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
