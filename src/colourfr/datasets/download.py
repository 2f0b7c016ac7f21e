"""Fetching a dataset when the config gives no local root (LFW only: the others are licensed).

The Snakemake rule ``fetch_dataset`` calls :func:`fetch_dataset` for every dataset with
``download: true`` and ``root: null``; the manifest step then reads the fetched copy like
a local root. Offline, the fetch fails with one message naming the URL, where to put a
hand-downloaded archive, and the ``datasets.<name>.root`` alternative.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from colourfr.assets import Asset, download, sha256_of, verify_file
from colourfr.datasets import DOWNLOADABLE_FORMATS
from colourfr.datasets.assets import LFW_ARCHIVES, LFW_PROTOCOL_FILES
from colourfr.errors import AssetError, ManifestError

DEFAULT_IMAGES_DIR = "images_deepfunneled"
#: The file the fetch_dataset rule writes next to the fetched copy (its declared output).
FETCH_MARKER = "fetched.json"
#: The dataset settings the manifest step reads: the others (protocols, download
#: settings) stay out of its params, so that changing them does not rebuild it.
MANIFEST_SETTINGS = ("format", "options", "subjects", "fail_on_bad_image", "colour", "suspicious")


def downloaded_by_workflow(settings: Mapping[str, Any]) -> bool:
    """True when the workflow fetches the dataset itself (``download: true``, no root)."""
    return settings.get("root") is None and bool(settings.get("download"))


def dataset_root(settings: Mapping[str, Any], name: str, resources_dir: str) -> str:
    """The configured root, or where the fetch_dataset rule puts dataset ``name``."""
    return settings.get("root") or f"{resources_dir}/datasets/{name}"


def manifest_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {key: settings[key] for key in MANIFEST_SETTINGS}


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


def lfw_archive(images_dir: str, archive_sha256: str | None = None) -> tuple[Asset, str]:
    """The archive asset for ``images_dir`` (digest replaced by a pinned one) and the
    folder name inside it."""
    if images_dir not in LFW_ARCHIVES:
        raise ManifestError(
            f"LFW download supports images_dir {sorted(LFW_ARCHIVES)}, not {images_dir!r}"
        )
    asset, folder_in_archive = LFW_ARCHIVES[images_dir]
    if archive_sha256 is not None:
        # The user's pin wins: the catalogue has none for the deep-funneled archive.
        asset = dataclasses.replace(asset, sha256=archive_sha256.lower())
    return asset, folder_in_archive


@dataclasses.dataclass(frozen=True)
class _Where:
    """Which dataset a fetch is for, so that its errors name the config keys."""

    dataset_name: str
    images_dir: str

    def unavailable(self, asset: Asset, cached: Path, reason: str) -> AssetError:
        key = f"datasets.{self.dataset_name}"
        return AssetError(
            f"{key}: cannot get {asset.target_name} from {' or '.join(asset.urls)} ({reason}). "
            f"Either download it yourself and put it at {cached} (it is verified and used "
            f"on the next run), or set {key}.root to a local LFW copy (a folder holding "
            f"{self.images_dir}/ and pairs.txt) instead of downloading."
        )

    def verified(self, path: Path, asset: Asset) -> Path:
        """``path`` checked against ``asset``; a mismatch names the config key to fix."""
        try:
            return verify_file(path, asset)
        except AssetError as exc:
            raise AssetError(
                f"datasets.{self.dataset_name}: {exc}. Delete the file to fetch it again, "
                f"or correct datasets.{self.dataset_name}.archive_sha256 if you pinned it."
            ) from None


def _fetch_file(asset: Asset, cache: Path, allow_download: bool, where: _Where) -> Path:
    """A verified copy of ``asset`` in ``cache``: the one already there, else a download."""
    cached = cache / asset.target_name
    if cached.is_file():
        return where.verified(cached, asset)
    if not allow_download:
        raise where.unavailable(asset, cached, "allow_downloads is false")
    try:
        return download(asset, cached)
    except AssetError as exc:
        # Keep the per-URL failures; drop download()'s generic advice, which the dataset
        # message replaces with the LFW-specific one.
        reason = str(exc).split(". Without network", 1)[0]
        raise where.unavailable(asset, cached, reason) from None


def _extract_images(archive: Path, folder_in_archive: str, image_root: Path) -> None:
    staging = image_root.parent / ".extract"
    # A previous interrupted extraction must not leave stray members in the new copy.
    shutil.rmtree(staging, ignore_errors=True)
    _safe_extract(archive, staging)
    extracted = staging / folder_in_archive
    if not extracted.is_dir():
        raise AssetError(f"{archive}: no folder {folder_in_archive}/ inside")
    os.replace(extracted, image_root)
    shutil.rmtree(staging, ignore_errors=True)


def fetch_lfw(
    destination: str | os.PathLike[str],
    images_dir: str = DEFAULT_IMAGES_DIR,
    allow_download: bool = True,
    archive_sha256: str | None = None,
    dataset_name: str = "lfw",
) -> Path:
    """Return an LFW root (``<destination>/<images_dir>/`` + protocol files), downloading
    and verifying what is missing into ``<destination>/downloads``."""
    destination = Path(destination)
    asset, folder_in_archive = lfw_archive(images_dir, archive_sha256)
    where = _Where(dataset_name, images_dir)
    cache = destination / "downloads"
    image_root = destination / images_dir
    if not image_root.is_dir():
        _extract_images(
            _fetch_file(asset, cache, allow_download, where), folder_in_archive, image_root
        )
    elif (cache / asset.target_name).is_file():
        # Already extracted: still check the archive against a digest pinned since.
        where.verified(cache / asset.target_name, asset)
    for protocol_file in LFW_PROTOCOL_FILES:
        target = destination / protocol_file.target_name
        if not target.is_file():
            os.replace(_fetch_file(protocol_file, cache, allow_download, where), target)
    return destination


def fetch_record(
    destination: str | os.PathLike[str],
    images_dir: str = DEFAULT_IMAGES_DIR,
    archive_sha256: str | None = None,
) -> dict[str, Any]:
    """What was fetched (for the rule's marker file): the archive, its URL and digest, so
    that a user can pin ``archive_sha256`` from a first download."""
    asset, _ = lfw_archive(images_dir, archive_sha256)
    archive = Path(destination) / "downloads" / asset.target_name
    return {
        "root": str(Path(destination).resolve()),
        "images_dir": images_dir,
        "archive": asset.target_name,
        "url": asset.urls[0],
        "expected_sha256": asset.sha256,
        # None when the archive was removed after extraction.
        "archive_sha256": sha256_of(archive) if archive.is_file() else None,
    }


def fetch_dataset(
    format_name: str,
    destination: Path,
    allow_download: bool,
    *,
    options: Mapping[str, Any] | None = None,
    archive_sha256: str | None = None,
    dataset_name: str | None = None,
) -> Path:
    """Fetch dataset ``dataset_name`` of ``format_name`` into ``destination``; its
    reader ``options`` choose what (LFW: ``images_dir``)."""
    name = dataset_name or format_name
    if format_name not in DOWNLOADABLE_FORMATS:
        raise ManifestError(
            f"datasets.{name}: datasets of format {format_name!r} cannot be downloaded "
            "(licensed): set `root` to your copy"
        )
    images_dir = (options or {}).get("images_dir", DEFAULT_IMAGES_DIR)
    return fetch_lfw(destination, images_dir, allow_download, archive_sha256, name)
