"""The running Python environment compared with the lock (requirements/lock.txt).

Standard library only: ``tools/lock.py`` loads this file by path on the bootstrap
interpreter, before any environment exists.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

#: The lock, relative to the repository root.
LOCK_FILE = "requirements/lock.txt"
#: torch is pinned by version here, not in the hashed lock (docs/environment.md).
TORCH_PIN_FILE = "constraints.txt"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def canonical_name(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(text: str) -> dict[str, str]:
    """``{canonical name: version}`` of every ``name==version`` line of a requirements text."""
    pins: dict[str, str] = {}
    for raw in text.splitlines():
        match = _PIN.match(raw.strip())
        if match:
            pins[canonical_name(match.group(1))] = match.group(2)
    return pins


def locked_versions(repository: str | os.PathLike[str]) -> dict[str, str]:
    """The lock's pins plus the torch pin of constraints.txt."""
    root = Path(repository)
    pins = parse_pins((root / LOCK_FILE).read_text())
    torch_pins = root / TORCH_PIN_FILE
    if torch_pins.exists():
        pins.update(parse_pins(torch_pins.read_text()))
    return pins


def installed_versions() -> dict[str, str]:
    """Every installed distribution of this interpreter, ``{canonical name: version}``."""
    versions: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            versions.setdefault(canonical_name(name), distribution.version)
    return versions


def _public(version: str) -> str:
    # A local label (+cpu, +cu130) names the build, not the release the lock pins.
    return version.split("+", 1)[0]


@dataclass(frozen=True)
class EnvironmentComparison:
    lock_sha256: str | None
    #: name -> (locked, installed) for releases that differ
    different: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: installed but not in the lock (the project itself excluded)
    unlocked: dict[str, str] = field(default_factory=dict)
    #: in the lock but not installed (a partial environment, e.g. one conda env per rule)
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def matches(self) -> bool:
        return self.lock_sha256 is not None and not self.different and not self.unlocked

    def headline(self) -> str:
        if self.lock_sha256 is None:
            return f"No lock file ({LOCK_FILE}) was found: the environment is not locked."
        if self.matches:
            extra = f" ({len(self.missing)} locked packages not installed)" if self.missing else ""
            return f"The running environment matches {LOCK_FILE}{extra}."
        parts = []
        if self.different:
            parts.append(f"{len(self.different)} with other versions")
        if self.unlocked:
            parts.append(f"{len(self.unlocked)} not in the lock")
        return (
            f"WARNING: the running environment differs from {LOCK_FILE}: "
            + ", ".join(parts)
            + " (see the table below); results may not reproduce."
        )


def compare_with_lock(
    repository: str | os.PathLike[str],
    installed: dict[str, str] | None = None,
    ignore: tuple[str, ...] = ("colourfr",),
) -> EnvironmentComparison:
    lock = Path(repository) / LOCK_FILE
    if not lock.exists():
        return EnvironmentComparison(lock_sha256=None)
    locked = locked_versions(repository)
    installed = installed_versions() if installed is None else installed
    ignored = {canonical_name(name) for name in ignore}
    different = {
        name: (locked[name], version)
        for name, version in installed.items()
        if name in locked and _public(locked[name]) != _public(version)
    }
    unlocked = {
        name: version
        for name, version in installed.items()
        if name not in locked and name not in ignored
    }
    missing = {name: version for name, version in locked.items() if name not in installed}
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    return EnvironmentComparison(digest, different, unlocked, missing)
