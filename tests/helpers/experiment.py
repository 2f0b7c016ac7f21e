"""The one reduced experiment a test session shares, built in the background from the
moment collection finds a test that reads it, so that both pytest-xdist workers run
other tests meanwhile instead of one of them waiting on it.

The build runs ``snakemake --cores 2 --configfile config/reduced.yaml <overlay>`` as its
own process group; a status file appears (atomically) when it ends. Any worker's
fixture waits for that file. One build per session: a lock and a marker in the
session's shared temporary folder say whether it started.
"""

from __future__ import annotations

import contextlib
import fcntl
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from helpers.snakemake import EXECUTABLE, REPO, reduced_config_args

#: Longest the build may take before it is stopped (its own timeout, in seconds).
BUILD_TIMEOUT_S = 3000


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on ``path`` (created), across processes."""
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SharedExperiment:
    def __init__(self, folder: Path) -> None:
        self.results = folder / "reduced-experiment"
        self.overlay = folder / "reduced-experiment.yaml"
        self.status = folder / "reduced-experiment.status"
        self._started = folder / "reduced-experiment.started"
        self._lock = folder / "reduced-experiment.lock"
        self.configs = reduced_config_args(self.overlay)
        #: What the user saw (ends in .log: left out of result comparisons).
        self.console = self.results / "snakemake-console.log"

    def start(self) -> None:
        """Starts the build unless this session already did."""
        with locked(self._lock):
            if self._started.exists():
                return
            self.results.mkdir(parents=True, exist_ok=True)
            self.overlay.write_text(yaml.safe_dump({"results_dir": str(self.results)}))
            command = shlex.join(
                ["timeout", str(BUILD_TIMEOUT_S), EXECUTABLE, "--cores", "2", *self.configs]
            )
            status = shlex.quote(str(self.status))
            script = (
                f"{command} > {shlex.quote(str(self.console))} 2>&1; "
                f"echo $? > {status}.part && mv {status}.part {status}"
            )
            subprocess.Popen(
                ["bash", "-c", script], cwd=REPO, start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            self._started.touch()

    def wait(self) -> tuple[Path, list[str]]:
        """(results folder, --configfile arguments) once the build succeeded."""
        self.start()
        deadline = time.monotonic() + BUILD_TIMEOUT_S + 60
        while not self.status.exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"the reduced experiment did not end; log: {self.console}")
            time.sleep(2)
        code = self.status.read_text().strip()
        if code != "0":
            tail = self.console.read_text(errors="replace")[-6000:]
            raise AssertionError(f"the reduced experiment failed (exit {code}):\n{tail}")
        return self.results, self.configs
