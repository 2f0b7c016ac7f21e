"""Plugin packages in a test: installed beside colourfr without changing its environment."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path


def pip_install_target(package: Path, target: Path) -> dict[str, str]:
    """``pip install --target`` (nothing in the project's environment changes); returns
    the environment that puts the target on the path of every job."""
    # pip builds in the source tree (build/): build from a copy so the checkout stays clean.
    source = target.with_name(target.name + "-source")
    shutil.copytree(package, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(source)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    path = os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def environment_with(distribution: str, package: Path, target: Path) -> dict[str, str]:
    """The environment in which ``distribution`` is importable: this one if it is
    installed already (as CI does with the examples), else one with ``package``
    installed into ``target``. Never both: two copies of one plugin distribution would
    register each plugin name twice."""
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return pip_install_target(package, target)
    return dict(os.environ)
