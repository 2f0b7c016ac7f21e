"""A private copy of the checkout, for a test whose Snakemake runs must not share the
working directory's ``.snakemake`` (locks, metadata) with the other tests' runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def snapshot_checkout(repo: Path, dest: Path) -> Path:
    """A copy of the checkout at dest for both runs: its source files (tracked, and
    untracked ones that git does not ignore) and .git, with ../shared linked beside it.

    The two runs take up to half an hour; edits and commits in a shared working tree
    during that time would otherwise reach one run and not the other. With .git copied,
    provenance.md records the same commit in both."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listing.split("\0")):
        source = repo / relative
        if not (source.exists() or source.is_symlink()):  # deleted, not yet staged
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    if (repo / ".git").is_dir():
        shutil.copytree(repo / ".git", dest / ".git", symlinks=True)
    shared = repo.parent / "shared"
    if shared.exists() and not (dest.parent / "shared").exists():
        (dest.parent / "shared").symlink_to(shared.resolve())
    return dest
