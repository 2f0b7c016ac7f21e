"""The lock (requirements/lock.txt): consistent with pyproject.toml, used by make setup,
compared with the running environment in provenance."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from colourfr.environment import (
    LOCK_FILE,
    compare_with_lock,
    installed_versions,
    locked_versions,
    parse_pins,
)
from colourfr.reporting.provenance import environment_markdown

ROOT = Path(__file__).resolve().parent.parent
LOCK_TOOL_FILES = (
    "Makefile",
    "pyproject.toml",
    "constraints.txt",
    "requirements",
    "tools/lock.py",
    "src/colourfr/environment.py",
)


def _copy_project(destination: Path) -> Path:
    for relative in LOCK_TOOL_FILES:
        source = ROOT / relative
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    return destination


def _lock_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "tools" / "lock.py"), "check"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )


def test_lock_satisfies_pyproject() -> None:
    result = _lock_check(ROOT)
    assert result.returncode == 0, result.stderr


def test_every_locked_distribution_is_hashed_and_torch_is_pinned_by_version_only() -> None:
    text = (ROOT / LOCK_FILE).read_text()
    pins = parse_pins(text)
    assert len(pins) > 100
    blocks = text.split("\n")
    for number, line in enumerate(blocks):
        if "==" in line and not line.startswith((" ", "#")):
            assert blocks[number + 1].strip().startswith("--hash=sha256:"), line
    assert "torch" not in pins, "torch's CPU wheel is not on PyPI: it stays out of the hashed lock"
    assert parse_pins((ROOT / "constraints.txt").read_text()) == {"torch": "2.13.0"}


def test_added_dependency_without_relock_is_one_line_saying_make_lock(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '"numpy>=1.26",', '"numpy>=1.26",\n  "left-pad-colourfr>=1.0",'
        )
    )
    result = _lock_check(root)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "left-pad-colourfr is not in the lock" in lines[0]
    assert "run `make lock`" in lines[0]


def test_raised_lower_bound_beyond_the_pin_is_refused(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pandas>=2.1"', '"pandas>=99"'))
    result = _lock_check(root)
    assert result.returncode == 1
    assert "does not satisfy 'pandas>=99'" in result.stderr


def test_make_setup_stops_before_installing_anything_on_a_stale_lock(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = _copy_project(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"numpy>=1.26",', '"numpy>=1.26",\n  "left-pad-colourfr",')
    )
    result = subprocess.run(
        ["make", "-s", "setup", f"PYTHON={sys.executable}"],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PATH": os.environ.get("PATH", "")},
        check=False,
    )
    assert result.returncode != 0
    assert "run `make lock`" in result.stderr
    assert not (root / ".venv").exists()


def test_lock_is_for_one_python_and_says_so(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import lock  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    with pytest.raises(lock.LockError, match=r"PYTHON=python3\.11"):
        lock.check(ROOT, python=(3, 12))


def test_conda_environments_are_pinned_to_the_lock() -> None:
    pins = parse_pins((ROOT / "requirements" / "pins.txt").read_text())
    assert pins == locked_versions(ROOT)
    for env_file in sorted((ROOT / "envs").glob("*.yaml")):
        text = env_file.read_text()
        assert "--constraint ../requirements/pins.txt" in text, env_file.name
        assert "python=3.11.*" in text, env_file.name
    gpu_pin = parse_pins((ROOT / "requirements" / "onnxruntime-gpu.txt").read_text())
    gpu_lock = parse_pins((ROOT / "requirements" / "lock-gpu.txt").read_text())
    assert gpu_pin == {"onnxruntime-gpu": gpu_lock["onnxruntime-gpu"]}
    assert "onnxruntime" not in gpu_lock, "the GPU lock must not bring back the CPU onnxruntime"
    assert gpu_lock["torch"] == "2.13.0"


def test_comparison_names_what_differs(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / LOCK_FILE).write_text("numpy==2.4.6 \\\n    --hash=sha256:00\npillow==12.1.0\n")
    (tmp_path / "constraints.txt").write_text("torch==2.13.0\n")
    same = compare_with_lock(
        tmp_path, {"numpy": "2.4.6", "pillow": "12.1.0", "torch": "2.13.0+cpu", "colourfr": "0.1"}
    )
    assert same.matches and same.headline().startswith("The running environment matches")
    drifted = compare_with_lock(
        tmp_path, {"numpy": "2.4.6", "pillow": "13.0.0", "torch": "2.13.0", "requests": "2.0"}
    )
    assert not drifted.matches
    assert drifted.different == {"pillow": ("12.1.0", "13.0.0")}
    assert drifted.unlocked == {"requests": "2.0"}
    assert drifted.headline().startswith("WARNING: the running environment differs")
    assert compare_with_lock(tmp_path / "nowhere").headline().startswith("No lock file")


def test_plugin_packages_extend_the_lock_and_are_not_drift(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / LOCK_FILE).write_text("numpy==2.4.6\n")
    installed = {"numpy": "2.4.6", "colourfr-sepia": "1.0", "sepia-helper": "0.3"}
    comparison = compare_with_lock(tmp_path, installed, plugins={"colourfr_sepia": "1.0"})
    assert comparison.extensions == {"colourfr-sepia": "1.0"}
    # The plugin is no drift; a dependency it brought along that the lock lacks still is.
    assert comparison.unlocked == {"sepia-helper": "0.3"} and not comparison.matches
    installed.pop("sepia-helper")
    comparison = compare_with_lock(tmp_path, installed, plugins={"colourfr-sepia": "1.0"})
    assert comparison.matches
    assert comparison.headline() == (
        f"The running environment matches {LOCK_FILE} with plugin packages colourfr-sepia 1.0."
    )


def test_plugin_distributions_are_those_with_colourfr_entry_points() -> None:
    from colourfr.environment import plugin_distributions

    found = plugin_distributions()
    assert "colourfr" not in found
    for name in found:
        distribution = importlib.metadata.distribution(name)
        assert any(ep.group.startswith("colourfr.") for ep in distribution.entry_points)


def test_provenance_states_whether_this_environment_is_the_locked_one() -> None:
    text = "\n".join(environment_markdown(ROOT))
    comparison = compare_with_lock(ROOT)
    assert comparison.lock_sha256 and comparison.lock_sha256 in text
    assert f"**{comparison.headline()}**" in text
    for name, version in list(installed_versions().items())[:5]:
        assert f"| {name} | {version} |" in text


@pytest.mark.skipif(
    os.environ.get("COLOURFR_LOCK_DRIFT_OK") == "1",
    reason="make test-latest runs the newest releases on purpose",
)
def test_this_environment_is_the_locked_one() -> None:
    # Plugin packages installed beside colourfr are extensions, allowed here.
    comparison = compare_with_lock(ROOT)
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip(f"not the project's .venv ({sys.prefix})")
    assert comparison.matches, (
        comparison.headline() + f" {comparison.different} {comparison.unlocked}"
    )
