"""One run at a time per results folder, whichever checkout it starts from.

Snakemake's own lock lives in the working directory (``.snakemake/locks``), so two
checkouts pointed at one ``results_dir`` would delete and rewrite each other's outputs.
The workflow takes this lock when a run starts (Snakemake's ``onstart``; never for a dry
run, ``--report`` or ``--unlock``) and holds it until the Snakemake process ends: an
advisory ``flock`` on ``<results_dir>/.colourfr-run.lock``, which the operating system
releases when the holder dies, also after ``kill -9`` or a power cut, so it can never be
left stale. The file names the holder (host, pid, start time, checkout) for the error
the second run shows.
"""

from __future__ import annotations

import fcntl
import os
import socket
import sys
import time
from pathlib import Path

from colourfr.errors import ColourfrError

LOCK_NAME = ".colourfr-run.lock"

# Held for the life of the process: closing the descriptor would release the lock.
_held: dict[str, int] = {}


class ResultsInUseError(ColourfrError):
    """Another run holds the results folder."""


def acquire_results_lock(results_dir: str | os.PathLike[str], checkout: str = "") -> Path:
    """Lock ``results_dir`` for this process, or raise naming the run that holds it."""
    folder = Path(results_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    if str(path) in _held:
        return path
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = Path(path).read_text(errors="replace").strip() or "an unknown process"
        os.close(fd)
        raise ResultsInUseError(
            f"results_dir {folder} is in use by another run ({holder}). Wait for it to end "
            "or point results_dir elsewhere; this lock frees itself when that run's "
            "Snakemake process ends (Snakemake's own lock, cleared with --unlock, is "
            "another one, per checkout)"
        ) from None
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    text = f"host {socket.gethostname()}, pid {os.getpid()}, started {started}"
    text += f", checkout {checkout}" if checkout else ""
    os.ftruncate(fd, 0)
    os.pwrite(fd, (text + "\n").encode(), 0)
    _held[str(path)] = fd
    return path


def release_results_lock(results_dir: str | os.PathLike[str]) -> None:
    """Release the lock (tests; a run releases it by ending)."""
    path = str(Path(results_dir).resolve() / LOCK_NAME)
    fd = _held.pop(path, None)
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def main() -> int:  # pragma: no cover - used by tests to hold a lock from another process
    acquire_results_lock(sys.argv[1], "test holder")
    print("locked", flush=True)
    sys.stdin.read()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
