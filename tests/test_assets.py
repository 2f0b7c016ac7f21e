"""Asset download/verification and the LFW fetch step (file:// URLs stand in for the web)."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from colourfr.assets import Asset, download, resolve_asset, verify_file
from colourfr.datasets import download as lfw_download
from colourfr.errors import AssetError


def _asset_for(path: Path, name: str = "thing", **overrides) -> Asset:
    data = path.read_bytes()
    fields = {
        "name": name,
        "urls": (path.as_uri(),),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "filename": path.name,
    }
    fields.update(overrides)
    return Asset(**fields)


def test_download_verifies_and_is_atomic(tmp_path: Path) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"x" * 1000)
    asset = _asset_for(source)
    target = download(asset, tmp_path / "cache" / "weights.bin")
    assert target.read_bytes() == source.read_bytes()
    bad = _asset_for(source, sha256="0" * 64)
    with pytest.raises(AssetError, match="expected 0000"):
        download(bad, tmp_path / "cache2" / "weights.bin")
    assert not list((tmp_path / "cache2").iterdir())  # nothing half-written is left


def test_offline_message_says_where_to_put_the_file(tmp_path: Path) -> None:
    asset = Asset(name="big-model", urls=("file:///no/such/file.pth",), sha256=None)
    with pytest.raises(AssetError, match="set its local path in the config"):
        resolve_asset(asset, None, tmp_path)
    with pytest.raises(AssetError, match="downloads are disabled"):
        resolve_asset(asset, None, tmp_path, allow_download=False)


def test_local_path_is_checked(tmp_path: Path) -> None:
    source = tmp_path / "model.onnx"
    source.write_bytes(b"abc")
    asset = _asset_for(source)
    assert resolve_asset(asset, source, tmp_path / "cache") == source
    truncated = tmp_path / "short.onnx"
    truncated.write_bytes(b"ab")
    with pytest.raises(AssetError, match="has 2 bytes, expected 3"):
        verify_file(truncated, asset)
    with pytest.raises(AssetError, match="file not found"):
        resolve_asset(asset, tmp_path / "absent.onnx", tmp_path / "cache")


def _tar_with(members: dict[str, bytes], path: Path) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_fetch_lfw_from_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _tar_with(
        {"lfw-deepfunneled/Ann/Ann_0001.jpg": b"jpg", "lfw-deepfunneled/Ann/Ann_0002.jpg": b"jpg"},
        tmp_path / "lfw-deepfunneled.tgz",
    )
    protocol_source = tmp_path / "pairs.txt"
    protocol_source.write_text("1 0\n")
    monkeypatch.setattr(
        lfw_download,
        "LFW_ARCHIVES",
        {"images_deepfunneled": (_asset_for(archive, "lfw"), "lfw-deepfunneled")},
    )
    monkeypatch.setattr(lfw_download, "LFW_PROTOCOL_FILES", (_asset_for(protocol_source, "pairs"),))
    root = lfw_download.fetch_lfw(tmp_path / "data")
    assert (root / "images_deepfunneled" / "Ann" / "Ann_0002.jpg").is_file()
    assert (root / "pairs.txt").read_text() == "1 0\n"


def test_fetch_refuses_escaping_archives(tmp_path: Path) -> None:
    archive = _tar_with({"../evil.txt": b"x"}, tmp_path / "evil.tgz")
    with pytest.raises(AssetError, match="escapes"):
        lfw_download._safe_extract(archive, tmp_path / "out")


def test_licensed_datasets_cannot_be_downloaded(tmp_path: Path) -> None:
    from colourfr.errors import ManifestError

    with pytest.raises(ManifestError, match="licensed"):
        lfw_download.fetch_dataset("feret", tmp_path, allow_download=True)
