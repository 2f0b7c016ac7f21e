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


#: Entry-point groups of colourfr plugins start with this (colourfr.registry).
PLUGIN_GROUP_PREFIX = "colourfr."


def plugin_distributions() -> dict[str, str]:
    """Installed distributions other than colourfr that register colourfr plugins (an
    entry point in a ``colourfr.*`` group): ``{canonical name: version}``."""
    found: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if not name or canonical_name(name) == "colourfr":
            continue
        if any(ep.group.startswith(PLUGIN_GROUP_PREFIX) for ep in distribution.entry_points):
            found.setdefault(canonical_name(name), distribution.version)
    return found


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
    #: plugin packages installed beside colourfr and not in the lock: extensions of the
    #: locked environment, not drift (their own dependencies still count as unlocked)
    extensions: dict[str, str] = field(default_factory=dict)

    @property
    def matches(self) -> bool:
        return self.lock_sha256 is not None and not self.different and not self.unlocked

    def headline(self) -> str:
        if self.lock_sha256 is None:
            return f"No lock file ({LOCK_FILE}) was found: the environment is not locked."
        plugins = (
            " with plugin packages "
            + ", ".join(f"{name} {version}" for name, version in sorted(self.extensions.items()))
            if self.extensions
            else ""
        )
        if self.matches:
            extra = f" ({len(self.missing)} locked packages not installed)" if self.missing else ""
            return f"The running environment matches {LOCK_FILE}{extra}{plugins}."
        parts = []
        if self.different:
            parts.append(f"{len(self.different)} with other versions")
        if self.unlocked:
            parts.append(f"{len(self.unlocked)} not in the lock")
        return (
            f"WARNING: the running environment differs from {LOCK_FILE}: "
            + ", ".join(parts)
            + " (see the table below); results may not reproduce."
            + (f" Also installed:{plugins}." if plugins else "")
        )


def compare_with_lock(
    repository: str | os.PathLike[str],
    installed: dict[str, str] | None = None,
    ignore: tuple[str, ...] = ("colourfr",),
    plugins: dict[str, str] | None = None,
) -> EnvironmentComparison:
    """This environment (or ``installed``) against the lock. Plugin packages (``plugins``,
    default: :func:`plugin_distributions` of this environment) that the lock does not
    name are extensions, not drift."""
    lock = Path(repository) / LOCK_FILE
    if not lock.exists():
        return EnvironmentComparison(lock_sha256=None)
    locked = locked_versions(repository)
    if installed is None:
        installed = installed_versions()
        plugins = plugin_distributions() if plugins is None else plugins
    plugins = {canonical_name(name): v for name, v in (plugins or {}).items()}
    extensions = {
        name: version
        for name, version in installed.items()
        if name in plugins and name not in locked
    }
    ignored = {canonical_name(name) for name in ignore} | set(extensions)
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
    return EnvironmentComparison(digest, different, unlocked, missing, extensions)
