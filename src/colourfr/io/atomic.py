"""Atomic writes: an output either exists complete or not at all.

A job killed mid-write (SIGKILL, out of memory, a cluster time limit) leaves at most a
hidden temporary file next to the output, never a truncated output under its real name.
Snakemake then sees the output missing and reruns the job.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def default_file_mode() -> int:
    # mkstemp creates 0600 files (mkdtemp 0700 folders); outputs get the umask-based mode.
    return 0o666 & ~_umask()


def _fsync_file(path: str | os.PathLike[str]) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: str | os.PathLike[str]) -> None:
    # Makes the rename itself durable; not every filesystem allows it.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _before_commit(destination: Path) -> None:
    """Called with an output's complete temporary copy in place, just before the rename.

    Does nothing. It is the one seam where tests/fault_injection kills a writer (or the
    whole run) at the worst moment, to prove that nothing half-written survives a kill.
    """


def _temporary_prefix(destination: Path) -> str:
    return f".{destination.name}."


def remove_stale_temporaries(destination: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary copies of ``destination`` that a killed writer left behind.

    Snakemake never runs two jobs writing the same output, so any such file is stale.
    """
    destination = Path(destination)
    # mkstemp's random part: 8 characters of [a-z0-9_].
    pattern = re.compile(
        re.escape(_temporary_prefix(destination))
        + r"[a-z0-9_]{8}\.part"
        + re.escape(destination.suffix)
    )
    if not destination.parent.is_dir():
        return []
    stale = [path for path in destination.parent.iterdir() if pattern.fullmatch(path.name)]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the output's folder; on success it replaces ``path``.

    For libraries that write by file name (pandas, numpy, matplotlib, torch, Pillow). The
    temporary name keeps the suffix, so format detection by extension still works.
    """
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(destination)
    fd, tmp_name = tempfile.mkstemp(
        dir=destination.parent,
        prefix=_temporary_prefix(destination),
        suffix=f".part{destination.suffix}",
    )
    os.close(fd)
    try:
        yield Path(tmp_name)
        _before_commit(destination)
        _fsync_file(tmp_name)
        os.chmod(tmp_name, default_file_mode())
        os.replace(tmp_name, destination)
        _fsync_dir(destination.parent)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """``open()`` for writing, atomically (see :func:`atomic_path`)."""
    if not mode.startswith("w"):
        raise ValueError(f"atomic_write opens for writing only, not {mode!r}")
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle
        handle.flush()


def write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_write(path, "wb") as handle:
        handle.write(data)


def write_json(path: str | os.PathLike[str], value: Any) -> None:
    import json

    write_text(path, json.dumps(value, indent=2, default=str) + "\n")


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it becomes ``path``.

    A folder of per-image outputs (a shard's PNGs) is complete or absent: a killed job
    leaves only the hidden temporary folder, which the next run removes. The files are
    flushed to disk (one ``sync`` for the folder, not one per file) before the rename, so
    a power cut after it cannot leave empty images under the real name.
    """
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    for stale in destination.parent.glob(f".{destination.name}.part-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=destination.parent, prefix=f".{destination.name}.part-"))
    try:
        yield tmp
        _before_commit(destination)
        os.sync()
        os.chmod(tmp, 0o777 & ~_umask())
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(tmp, destination)
        _fsync_dir(destination.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
