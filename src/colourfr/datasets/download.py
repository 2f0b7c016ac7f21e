"""Fetching a dataset when the config gives no local root (LFW only: the others are licensed)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from colourfr.assets import resolve_asset
from colourfr.datasets.assets import LFW_ARCHIVES, LFW_PROTOCOL_FILES
from colourfr.errors import AssetError, ManifestError


def _safe_extract(archive: Path, destination: Path) -> None:
    """Extract a tar archive, refusing members that would land outside ``destination``."""
    destination = destination.resolve()
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            target = (destination / member.name).resolve()
            if destination not in target.parents and target != destination:
                raise AssetError(f"{archive}: member {member.name!r} escapes the folder")
            if member.issym() or member.islnk():
                raise AssetError(f"{archive}: member {member.name!r} is a link")
        tar.extractall(destination, filter="data")


def fetch_lfw(
    destination: str | os.PathLike[str],
    images_dir: str = "images_deepfunneled",
    allow_download: bool = True,
) -> Path:
    """Return an LFW root (``<destination>/<images_dir>/`` + protocol files), downloading
    and verifying what is missing."""
    destination = Path(destination)
    if images_dir not in LFW_ARCHIVES:
        raise ManifestError(
            f"LFW download supports images_dir {sorted(LFW_ARCHIVES)}, not {images_dir!r}"
        )
    asset, folder_in_archive = LFW_ARCHIVES[images_dir]
    image_root = destination / images_dir
    if not image_root.is_dir():
        archive = resolve_asset(asset, None, destination / "downloads", allow_download)
        staging = destination / ".extract"
        _safe_extract(archive, staging)
        extracted = staging / folder_in_archive
        if not extracted.is_dir():
            raise AssetError(f"{archive}: no folder {folder_in_archive}/ inside")
        os.replace(extracted, image_root)
    for protocol_file in LFW_PROTOCOL_FILES:
        target = destination / protocol_file.target_name
        if not target.is_file():
            downloaded = resolve_asset(protocol_file, None, destination / "downloads", allow_download)
            os.replace(downloaded, target)
    return destination


def fetch_dataset(format_name: str, destination: Path, allow_download: bool) -> Path:
    if format_name == "lfw":
        return fetch_lfw(destination, allow_download=allow_download)
    raise ManifestError(
        f"datasets of format {format_name!r} cannot be downloaded (licensed): set `root` "
        "to your copy"
    )
