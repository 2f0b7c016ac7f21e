"""Starting Snakemake from a test, the one way: through the ``snakemake`` fixture.

The fixture (tests/conftest.py) is what marks a test ``workflow``, so ``make test-unit``
leaves out every test that starts Snakemake. A call from a test that did not ask for the
fixture (an import of this module instead) fails at once, saying so: a workflow test can
never hide in the unit tier.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REDUCED_CONFIG = REPO / "config" / "reduced.yaml"
EXECUTABLE = str(Path(sys.executable).with_name("snakemake"))

#: Node ids of the collected tests that may start Snakemake (conftest fills it).
ALLOWED_TESTS: set[str] = set()


def _current_test() -> str | None:
    current = os.environ.get("PYTEST_CURRENT_TEST")
    return current.rsplit(" (", 1)[0] if current else None


@dataclass(frozen=True)
class PlannedJob:
    rule: str
    outputs: tuple[str, ...]


_JOB_HEADER = re.compile(r"^(?:rule|localrule|checkpoint|localcheckpoint) (\S+):$")


def parse_plan(dry_run_output: str) -> list[PlannedJob]:
    """The jobs a ``snakemake --dry-run`` (not ``--quiet``) printed, in its order."""
    jobs: list[PlannedJob] = []
    rule: str | None = None
    outputs: tuple[str, ...] = ()
    for line in dry_run_output.splitlines():
        header = _JOB_HEADER.match(line)
        if header:
            if rule is not None:
                jobs.append(PlannedJob(rule, outputs))
            rule, outputs = header.group(1), ()
        elif rule is not None and line.strip().startswith("output:"):
            outputs = tuple(line.split(":", 1)[1].strip().split(", "))
    if rule is not None:
        jobs.append(PlannedJob(rule, outputs))
    return jobs


class Snakemake:
    """Runs the repository's workflow (``--cores 2`` unless ``cores`` says otherwise)."""

    #: The command, for a test that must start it itself (its own logging, a cluster).
    executable = EXECUTABLE

    def run(
        self,
        *args: str,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO,
        cores: int | None = 2,
        timeout: float = 3000,
        new_session: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        test = _current_test()
        if test is not None and test not in ALLOWED_TESTS:
            raise AssertionError(
                f"{test} starts Snakemake without the `snakemake` fixture: ask for the "
                "fixture, which marks the test `workflow` (tests/conftest.py)"
            )
        command = [EXECUTABLE, *(["--cores", str(cores)] if cores else []), *args]
        result = subprocess.run(
            command,
            cwd=cwd,
            env=None if env is None else dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            start_new_session=new_session,  # a kill of the session spares the test
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"snakemake {' '.join(args)} failed (rc {result.returncode}):\n"
                f"{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
            )
        return result

    def plan(
        self,
        targets: Sequence[str],
        config_args: Sequence[str],
        env: Mapping[str, str] | None = None,
    ) -> list[PlannedJob]:
        """The jobs a dry run for ``targets`` would execute (targets first: --configfile
        takes several values)."""
        result = self.run(*targets, "--dry-run", *config_args, env=env)
        return parse_plan(result.stdout + result.stderr)

    def planned_jobs(self, targets: Sequence[str], config_args: Sequence[str]) -> dict[str, int]:
        """Rule -> number of jobs a dry run would execute."""
        return dict(Counter(job.rule for job in self.plan(targets, config_args)))

    def planned_outputs(
        self, targets: Sequence[str], config_args: Sequence[str]
    ) -> dict[str, list[str]]:
        """Rule -> outputs of the jobs a dry run would execute."""
        planned: dict[str, list[str]] = {}
        for job in self.plan(targets, config_args):
            planned.setdefault(job.rule, []).extend(job.outputs)
        return planned


def reduced_config_args(*overlays: Path | str) -> list[str]:
    """``--configfile config/reduced.yaml <overlays...>``."""
    return ["--configfile", str(REDUCED_CONFIG), *map(str, overlays)]
