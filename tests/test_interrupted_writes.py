"""A writer killed at the worst moment (its output complete under a temporary name, the
rename not done) leaves no output, or the previous one intact; the next write succeeds and
removes what the killed one left. Readers refuse files that were cut short by anything else
(a non-atomic copy, a full disk) and name them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from colourfr.errors import ColourfrError

FAULT_INJECTION = Path(__file__).resolve().parent / "fault_injection"
sys.path.insert(0, str(FAULT_INJECTION))
import writers

KINDS = sorted(writers.OUTPUTS)


def killed_write(fault_injection, kind: str, path: Path, version: int) -> int:
    """Writes in a subprocess killed at the output's commit; returns its exit status."""
    env = fault_injection([f"*/{path.name}"], scope="job")
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], *sys.path])
    code = f"import writers; from pathlib import Path; writers.write({kind!r}, Path({str(path)!r}), {version})"
    return subprocess.run(
        [sys.executable, "-c", code], check=False, env=env, timeout=120
    ).returncode


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("kind", KINDS)
def test_a_killed_writer_leaves_no_output_and_the_next_write_cleans_up(
    fault_injection, kind: str, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / writers.OUTPUTS[kind]
    reference = tmp_path / "reference" / writers.OUTPUTS[kind]
    reference.parent.mkdir()

    assert killed_write(fault_injection, kind, path, 3) == -signal.SIGKILL
    assert not path.exists()
    assert leftovers(folder), "the kill came before the temporary copy was complete"

    writers.write(kind, path, 3)
    writers.write(kind, reference, 3)
    assert writers.read(kind, path) == writers.read(kind, reference)
    # Only completion markers of CSV tables remain hidden; the killed copy is gone.
    assert all(name.endswith(".complete") for name in leftovers(folder)), leftovers(folder)


# Two files that must match: the records (the pair's completion mark) go first, so a killed
# rewrite leaves the pair incomplete, never new embeddings beside old records.
REMOVED_BY_A_REWRITE = {"recognition_shard"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_killed_rewrite_keeps_the_previous_output_whole(
    fault_injection, kind: str, tmp_path: Path
) -> None:
    path = tmp_path / writers.OUTPUTS[kind]
    writers.write(kind, path, 2)
    before = writers.read(kind, path)
    assert killed_write(fault_injection, kind, path, 5) == -signal.SIGKILL
    if kind in REMOVED_BY_A_REWRITE:
        assert not path.exists()
    else:
        assert writers.read(kind, path) == before
    writers.write(kind, path, 5)
    assert writers.read(kind, path) != before


CUT_SHORT = ["csv", "manifest", "variant_index", "quality_table", "scores_csv"]


@pytest.mark.parametrize("kind", [*CUT_SHORT, "scores_parquet", "recognition_shard"])
def test_a_file_cut_short_is_an_error_naming_it(kind: str, tmp_path: Path) -> None:
    path = tmp_path / writers.OUTPUTS[kind]
    writers.write(kind, path, 4)
    data = path.read_bytes()
    if kind in CUT_SHORT:
        # At a line boundary: only the completion marker can tell.
        cut = data[: data.rstrip(b"\n").rfind(b"\n") + 1]
    else:
        cut = data[: len(data) // 2]
    path.write_bytes(cut)
    with pytest.raises(ColourfrError, match=path.name):
        writers.read(kind, path)


def test_records_and_embeddings_from_different_writes_are_refused(tmp_path: Path) -> None:
    # Same shape, one value changed (the last float32 1.0 becomes 2.0).
    shard = tmp_path / "shard.parquet"
    writers.write("recognition_shard", shard, 3)
    embeddings = shard.with_suffix(".npy")
    embeddings.write_bytes(embeddings.read_bytes()[:-4] + b"\x00\x00\x00\x40")
    with pytest.raises(ColourfrError, match="shard.npy is not the embeddings file"):
        writers.read("recognition_shard", shard)


def test_a_partial_csv_without_marker_is_refused_when_cut_mid_line(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    pd.DataFrame({"a": [1, 22, 333]}).to_csv(path, index=False)
    path.write_bytes(path.read_bytes()[:-2])
    with pytest.raises(ColourfrError, match="table.csv.*newline"):
        writers.read("csv", path)
