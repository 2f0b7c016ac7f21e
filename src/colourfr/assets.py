"""Model and data assets: download with sha256 verification, or use a local path.

Every external file the workflow needs (weights, archives) is described by an
:class:`Asset`. ``resolve_asset`` returns a verified local path: the user's own
copy when given, else a cached download. Offline, it fails with one message that
says where to put the file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from colourfr.errors import AssetError, ConfigError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Asset:
    """A downloadable file with its expected size and digest."""

    name: str
    urls: tuple[str, ...]
    sha256: str | None
    size: int | None = None
    filename: str | None = None
    licence: str = ""
    #: A digest published by a third party where no sha256 is known (torchvision's MD5 of
    #: the LFW deep-funneled archive): weaker than sha256 against tampering, but it still
    #: proves the bytes are the ones everybody else verified. Checked in addition to sha256.
    md5: str | None = None

    @property
    def target_name(self) -> str:
        return self.filename or self.urls[0].rsplit("/", 1)[-1]


def sha256_of(path: str | os.PathLike[str]) -> str:
    return _digest_of(path, hashlib.sha256())


def md5_of(path: str | os.PathLike[str]) -> str:
    return _digest_of(path, hashlib.md5(usedforsecurity=False))


def _digest_of(path: str | os.PathLike[str], digest: Any) -> str:
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return str(digest.hexdigest())


def verify_file(path: str | os.PathLike[str], asset: Asset) -> Path:
    """Check existence, size, sha256 and md5 (those known); raise AssetError naming the
    file otherwise."""
    path = Path(path)
    if not path.is_file():
        raise AssetError(f"{asset.name}: file not found: {path}")
    actual_size = path.stat().st_size
    if asset.size is not None and actual_size != asset.size:
        raise AssetError(
            f"{asset.name}: {path} has {actual_size:,} bytes, expected {asset.size:,} "
            "(truncated or wrong file)"
        )
    if asset.sha256 is not None:
        actual = sha256_of(path)
        if actual != asset.sha256:
            raise AssetError(f"{asset.name}: {path} has sha256 {actual}, expected {asset.sha256}")
    if asset.md5 is not None:
        actual = md5_of(path)
        if actual != asset.md5:
            raise AssetError(f"{asset.name}: {path} has md5 {actual}, expected {asset.md5}")
    return path


def pinned_asset(asset: Asset, weights_sha256: str | None) -> Asset:
    """``asset`` with the user's sha256 pin (for files whose authors publish none);
    the digest may be given in either case."""
    if weights_sha256 is None:
        return asset
    digest = str(weights_sha256).strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ConfigError(f"weights_sha256: expected 64 hex digits, got {weights_sha256!r}")
    return replace(asset, sha256=digest)


def download(asset: Asset, destination: str | os.PathLike[str], timeout: float = 60.0) -> Path:
    """Download ``asset`` to ``destination`` atomically, trying each mirror in turn."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for url in asset.urls:
        fd, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                shutil.copyfileobj(resp, out, _CHUNK)
            verify_file(tmp_name, asset)
            os.replace(tmp_name, destination)
            return destination
        except (OSError, AssetError) as exc:
            errors.append(f"{url}: {exc}")
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
    raise AssetError(
        f"{asset.name}: could not download ({'; '.join(errors)}). Without network, "
        f"download {asset.target_name} yourself from {asset.urls[0]} and set its local "
        f"path in the config, or place it at {destination}."
    )


def resolve_asset(
    asset: Asset,
    local_path: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str],
    allow_download: bool = True,
) -> Path:
    """Return a verified path for ``asset``: the local copy if given, else the cache."""
    if local_path is not None:
        return verify_file(local_path, asset)
    cached = Path(cache_dir) / asset.target_name
    if cached.is_file():
        return verify_file(cached, asset)
    if not allow_download:
        raise AssetError(
            f"{asset.name}: not found at {cached} and downloads are disabled; download "
            f"{asset.urls[0]} and set its path in the config"
        )
    return download(asset, cached)
