"""A cheap fingerprint of what a dataset's manifest is built from.

The manifest rule carries it as a param, computed on every run: Snakemake reruns the
manifest exactly when an image or a listing file is added, removed or replaced (its path,
size or modification time changed), and, through the per-shard digests of
``original_index``, only the per-image jobs of the shards whose images changed.

What goes in: every file below the dataset root (relative path, and the status of what it
is: size, modification and change time in ns, device and inode), the content of every file
an option names (a CSV image list), and the status of every file such a CSV lists outside
the root. Symbolic links are followed, since datasets are often assembled from folders of
links: a link counts with its target's status and where it points (so a replaced target,
a link pointed elsewhere or one that breaks all change it), and a linked folder is entered
like any other, each folder once (a link back up the tree is no loop). The change time
cannot be carried over by a copy that keeps modification times (``cp -p``), so an image
replaced by such a copy counts too. Reading no image, it costs one ``stat`` per file
(LFW's 13,233 images: well under a second).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def _status(status: os.stat_result) -> str:
    return (
        f"{status.st_size}\t{status.st_mtime_ns}\t{status.st_ctime_ns}"
        f"\t{status.st_dev}\t{status.st_ino}"
    )


def _walk(root: Path) -> Iterable[str]:
    """One line per file below ``root``, links followed (see the module docstring)."""
    visited: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            identity = os.stat(folder)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        if (identity.st_dev, identity.st_ino) in visited:
            continue
        visited.add((identity.st_dev, identity.st_ino))
        for entry in entries:
            relative = os.path.relpath(entry.path, root)
            pointing = ""
            if entry.is_symlink():
                try:
                    pointing = "\t-> " + os.readlink(entry.path)
                except OSError:
                    pointing = "\t-> ?"
            try:
                status = entry.stat(follow_symlinks=True)
            except OSError:
                yield f"{relative}\tbroken{pointing}"
                continue
            if stat.S_ISDIR(status.st_mode):
                if pointing:
                    yield f"{relative}\tfolder{pointing}"
                stack.append(Path(entry.path))
                continue
            yield f"{relative}\t{_status(status)}{pointing}"


def _stat_line(path: str) -> str:
    """A file's status line, through links: what the image is now."""
    try:
        status = os.stat(path)
    except OSError:
        return f"{path}\tmissing"
    return f"{path}\t{_status(status)}"


def _listed_paths(csv_path: Path, root: Path | None) -> list[str]:
    import pandas as pd

    try:
        listing = pd.read_csv(csv_path, usecols=["path"], dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return []
    paths = []
    for value in listing["path"]:
        path = Path(value)
        if not path.is_absolute() and root is not None:
            path = root / path
        if root is None or not path.resolve().is_relative_to(root.resolve()):
            paths.append(str(path))
    return sorted(paths)


def listing_fingerprint(
    root: str | os.PathLike[str] | None,
    option_files: Iterable[str | os.PathLike[str]] = (),
) -> str:
    """sha256 over the files below ``root`` and the named option files (see the module
    docstring)."""
    digest = hashlib.sha256()
    base = Path(root) if root else None
    if base is not None and base.is_dir():
        for line in _walk(base):
            digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
    for option_file in sorted(map(str, option_files)):
        path = Path(option_file)
        digest.update(f"option\t{option_file}\n".encode())
        if path.is_file():
            digest.update(path.read_bytes())
            if path.suffix.lower() == ".csv":
                for listed in _listed_paths(path, base):
                    digest.update(_stat_line(listed).encode() + b"\n")
    return digest.hexdigest()


def dataset_fingerprint(
    dataset: Mapping[str, Any], root: str | os.PathLike[str] | None, path_options: Iterable[str]
) -> str:
    """The fingerprint of a validated ``datasets.<name>`` entry whose images are under
    ``root`` (the configured root, or where the workflow fetched them)."""
    options = dataset.get("options", {})
    files = [options[key] for key in path_options if options.get(key)]
    return listing_fingerprint(root, files)


def shard_digest(rows: Any) -> str:
    """A digest of one shard's manifest rows (a DataFrame) and of its image files (their
    status through links, so that an image replaced in place or behind a link counts):
    the per-image jobs of a shard rerun when it changes, and only then."""
    ordered = rows.sort_values("image_id")
    digest = hashlib.sha256(ordered.to_csv(index=False).encode("utf-8"))
    for path in ordered["path"]:
        digest.update(_stat_line(str(path)).encode("utf-8") + b"\n")
    return digest.hexdigest()


#: Next to the manifest: one file per shard holding the digest of its rows.
SHARD_DIGEST_DIR = "shards"


def shard_digest_path(manifest_path: str | os.PathLike[str], shard: str) -> Path:
    return Path(manifest_path).parent / SHARD_DIGEST_DIR / f"{shard}.rows"


def write_shard_digests(manifest: Any, manifest_path: str | os.PathLike[str]) -> list[str]:
    """Write each shard's row digest beside the manifest, touching only the files whose
    digest changed (their modification time is what reruns a shard's per-image jobs), and
    remove those of shards that no longer exist. Returns the shards whose digest changed."""
    from colourfr.io.atomic import write_text

    folder = Path(manifest_path).parent / SHARD_DIGEST_DIR
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    shards = sorted(manifest["shard"].unique())
    for shard in shards:
        path = shard_digest_path(manifest_path, shard)
        digest = shard_digest(manifest[manifest["shard"] == shard]) + "\n"
        if not path.is_file() or path.read_text() != digest:
            write_text(path, digest)
            changed.append(shard)
    for stale in folder.glob("*.rows"):
        if stale.stem not in shards:
            stale.unlink()
    return changed
