"""The results folder is guarded: refused where it would mix with a dataset or the whole
disk, and held by one run at a time, whichever checkout the run starts from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from colourfr.config import validate_config
from colourfr.errors import ConfigError
from colourfr.run_lock import ResultsInUseError, acquire_results_lock, release_results_lock


def config(tmp_path: Path, results: str) -> dict:
    (tmp_path / "faces").mkdir(exist_ok=True)
    return {
        "results_dir": results,
        "datasets": {"toy": {"format": "folder", "root": str(tmp_path / "faces")}},
        "scenarios": [
            {"id": "s1", "reference": "original", "probe": "original", "impostors": True,
             "baseline": True},
        ],
        "recognition": {"dlib": {"plugin": "dlib-resnet"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("results", "message"),
    [
        ("", "results_dir: empty"),
        ("/", "is the root of the filesystem"),
        ("{root}", "is inside datasets.toy.root"),
        ("{root}/results", "is inside datasets.toy.root"),
        ("{tmp}", "holds datasets.toy.root"),
    ],
)
def test_results_dir_beside_the_data_only(tmp_path: Path, results: str, message: str) -> None:
    value = results.format(root=tmp_path / "faces", tmp=tmp_path)
    with pytest.raises(ConfigError, match=message):
        validate_config(config(tmp_path, value), base_dir=tmp_path)
    assert validate_config(config(tmp_path, str(tmp_path / "out")), base_dir=tmp_path)


def test_a_second_run_on_one_results_dir_is_refused_naming_the_first(tmp_path: Path) -> None:
    results = tmp_path / "results"
    holder = subprocess.Popen(
        [sys.executable, "-m", "colourfr.run_lock", str(results)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(ResultsInUseError) as info:
            acquire_results_lock(results)
        message = str(info.value)
        assert f"pid {holder.pid}" in message and "host " in message and "started " in message
    finally:
        holder.kill()  # a killed holder leaves no stale lock
        holder.wait()
    acquire_results_lock(results)
    release_results_lock(results)
