"""Plugin packages in a test: installed beside colourfr without changing its environment."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path


def pip_install_target(
    package: Path, target: Path, env: dict[str, str] | None = None
) -> dict[str, str]:
    """``pip install --target`` (nothing in the project's environment changes); returns
    ``env`` (default: this process's) with the target on the path of every job."""
    env = dict(os.environ if env is None else env)
    # pip builds in the source tree (build/): build from a copy so the checkout stays clean.
    source = target.with_name(f"{target.name}-source-{package.name}")
    shutil.copytree(package, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(source)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    path = os.pathsep.join(dict.fromkeys(filter(None, [str(target), env.get("PYTHONPATH")])))
    return {**env, "PYTHONPATH": path}


def environment_with(packages: dict[str, Path], target: Path) -> dict[str, str]:
    """The environment in which every distribution (name -> source folder) is
    importable: those installed already (as CI installs the examples) as they are, the
    others installed into ``target``. Never both: two copies of one plugin distribution
    would register each plugin name twice."""
    env = dict(os.environ)
    for name, source in packages.items():
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            env["PYTHONPATH"] = pip_install_target(source, target, env)["PYTHONPATH"]
    return env
