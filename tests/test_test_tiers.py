"""The test tiers are decided by the fixtures a test uses (tests/conftest.py), and a test
that starts Snakemake any other way cannot stay in the unit tier."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import conftest
import pytest
from helpers.snakemake import ALLOWED_TESTS, Snakemake, parse_plan

TESTS = Path(__file__).resolve().parent


@dataclass
class FakeItem:
    nodeid: str
    fixturenames: tuple[str, ...]
    markers: list[pytest.MarkDecorator] = field(default_factory=list)

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker)

    def marker_names(self) -> set[str]:
        return {m.name for m in self.markers}


def test_tiers_follow_the_fixtures() -> None:
    items = [
        FakeItem("t.py::unit", ("tmp_path",)),
        FakeItem("t.py::starts", ("snakemake", "tmp_path")),
        FakeItem("t.py::reads", ("reduced_experiment", "snakemake")),
        FakeItem("t.py::kills", ("fault_injection",)),
    ]
    unit, starts, reads, kills = items
    conftest.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]
    assert unit.marker_names() == set() and unit.nodeid not in ALLOWED_TESTS
    assert starts.marker_names() == {"workflow"} and starts.nodeid in ALLOWED_TESTS
    assert reads.marker_names() == {"workflow"}
    assert kills.marker_names() == {"faults"} and kills.nodeid in ALLOWED_TESTS
    # Own experiments first, unit tests next, readers of the shared experiment last.
    assert [item.nodeid for item in items] == [
        "t.py::starts", "t.py::kills", "t.py::unit", "t.py::reads",
    ]  # fmt: skip


def test_a_unit_test_cannot_start_snakemake() -> None:
    with pytest.raises(AssertionError, match="without the `snakemake` fixture"):
        Snakemake().run("--version")


def test_no_test_module_starts_snakemake_by_itself() -> None:
    # The executable, `python -m snakemake` or the API: only tests/helpers may.
    starting = re.compile(
        r"""with_name\(["']snakemake["']\)|-m["'], ["']snakemake|snakemake\.api"""
    )
    offenders = [
        path.name
        for path in TESTS.glob("*.py")
        if path.name != Path(__file__).name and starting.search(path.read_text())
    ]
    assert offenders == []


def test_no_test_module_imports_another() -> None:
    importing = re.compile(r"^(?:from|import) (test_\w+)", re.MULTILINE)
    offenders = {
        path.name: importing.findall(path.read_text())
        for path in TESTS.glob("test_*.py")
        if importing.search(path.read_text())
    }
    assert offenders == {}


def test_dry_run_output_is_parsed_into_jobs() -> None:
    output = (
        "Building DAG of jobs...\n"
        "\nlocalrule embed:\n    input: a\n    output: r/x.parquet, r/x.npy\n"
        "    jobid: 3\n\ncheckpoint manifest:\n    output: r/manifest.csv\n"
        "\nrule compare:\n    input: r/x.parquet\n    jobid: 5\n"
    )
    jobs = parse_plan(output)
    assert [(j.rule, j.outputs) for j in jobs] == [
        ("embed", ("r/x.parquet", "r/x.npy")),
        ("manifest", ("r/manifest.csv",)),
        ("compare", ()),
    ]
