"""Recognition assets, packs and registry entries (no network, no large files)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from colourfr.assets import Asset
from colourfr.config import validate_against
from colourfr.errors import AssetError
from colourfr.recognition import REGISTRY
from colourfr.recognition import assets as rec_assets


def test_asset_catalogue_is_well_formed() -> None:
    for asset in rec_assets.ASSETS:
        assert isinstance(asset, Asset)
        assert asset.urls and all(url.startswith("https://") for url in asset.urls)
        assert asset.sha256 is not None and len(asset.sha256) == 64
        assert asset.size and asset.size > 0
    names = {a.name for a in rec_assets.ASSETS}
    assert {"buffalo_l", "scrfd_2.5g_kps"} <= names
    assert rec_assets.PACKS["buffalo_l"].detector.endswith("det_10g.onnx")
    assert rec_assets.PACKS["mobilefacenet-scrfd"].detector == rec_assets.SCRFD_2_5G_KPS.target_name


def test_offline_buffalo_l_says_where_to_put_the_files(tmp_path: Path) -> None:
    with pytest.raises(AssetError) as caught:
        rec_assets.install_buffalo_l(tmp_path / "buffalo_l", allow_download=False)
    message = str(caught.value)
    assert "buffalo_l.zip" in message and "det_10g.onnx" in message
    assert str(tmp_path / "buffalo_l") in message


def test_local_folder_with_wrong_files_is_rejected(tmp_path: Path) -> None:
    source = tmp_path / "pack"
    source.mkdir()
    (source / "det_10g.onnx").write_bytes(b"not a model")
    (source / "w600k_r50.onnx").write_bytes(b"not a model")
    with pytest.raises(AssetError, match="det_10g.onnx.*bytes"):
        rec_assets.install_buffalo_l(tmp_path / "out", local_source=source)


def test_extract_member_finds_nested_names(tmp_path: Path) -> None:
    archive_path = tmp_path / "pack.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("buffalo_l/det_10g.onnx", b"detector bytes")
    with zipfile.ZipFile(archive_path) as archive:
        rec_assets._extract_member(archive, "det_10g.onnx", tmp_path / "x" / "det_10g.onnx")
        with pytest.raises(AssetError, match="no member named w600k_r50.onnx"):
            rec_assets._extract_member(archive, "w600k_r50.onnx", tmp_path / "x" / "w.onnx")
    assert (tmp_path / "x" / "det_10g.onnx").read_bytes() == b"detector bytes"


def test_schema_defaults_match_the_factories() -> None:
    insightface = {}
    assert (
        validate_against(REGISTRY.get("insightface-arcface").params_schema, insightface, "p") == []
    )
    assert insightface["det_size"] == [640, 640] and insightface["det_thresh"] == 0.5
    assert insightface["pack"] == "buffalo_l"
    dlib_params = {}
    assert validate_against(REGISTRY.get("dlib-resnet").params_schema, dlib_params, "p") == []
    assert dlib_params["detector"] == "hog"
    problems = validate_against(
        REGISTRY.get("insightface-arcface").params_schema, {"selection_rule": "biggest"}, "p"
    )
    assert problems and "selection_rule" in problems[0]
    assert REGISTRY.get("insightface-arcface").uses_gpu
    assert not REGISTRY.get("dlib-resnet").uses_gpu
    assert set(REGISTRY.get("insightface-arcface").path_params) >= {"detector", "recogniser"}


def test_dlib_builds_from_schema_defaults() -> None:
    pytest.importorskip("dlib")
    params: dict = {}
    validate_against(REGISTRY.get("dlib-resnet").params_schema, params, "p")
    system = REGISTRY.get("dlib-resnet").create(**params)
    assert system.embedding_dim == 128 and system.selection_rule == "largest_central"


@pytest.fixture()
def small_buffalo_l(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """A buffalo_l.zip of two small members, with the catalogue pinned to their digests,
    so that the real install path (verify, extract, verify again) runs end to end."""
    import dataclasses
    import hashlib

    members = {"det_10g.onnx": b"detector " * 50, "w600k_r50.onnx": b"recogniser " * 70}

    def pinned(asset: Asset, data: bytes) -> Asset:
        return dataclasses.replace(asset, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    det = pinned(rec_assets.DET_10G, members["det_10g.onnx"])
    rec = pinned(rec_assets.W600K_R50, members["w600k_r50.onnx"])
    archive = tmp_path / "buffalo_l.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name, data in members.items():
            out.writestr(f"buffalo_l/{name}", data)  # nested, as some mirrors ship it
    monkeypatch.setattr(rec_assets, "DET_10G", det)
    monkeypatch.setattr(rec_assets, "W600K_R50", rec)
    monkeypatch.setattr(rec_assets, "_BUFFALO_MEMBERS", (det, rec))
    monkeypatch.setattr(
        rec_assets, "BUFFALO_L_ZIP", pinned(rec_assets.BUFFALO_L_ZIP, archive.read_bytes())
    )
    return members


def test_buffalo_l_installs_from_a_local_zip_and_folder(
    tmp_path: Path, small_buffalo_l: dict[str, bytes]
) -> None:
    installed = rec_assets.install_buffalo_l(
        tmp_path / "models", local_source=tmp_path / "buffalo_l.zip"
    )
    assert {name: path.read_bytes() for name, path in installed.items()} == small_buffalo_l
    # a second call finds the verified files in place (no source needed, nothing fetched)
    again = rec_assets.install_buffalo_l(tmp_path / "models", allow_download=False)
    assert again == installed
    # a folder that already holds the two files (e.g. ~/.insightface/models/buffalo_l)
    copied = rec_assets.install_buffalo_l(tmp_path / "other", local_source=tmp_path / "models")
    assert {name: path.read_bytes() for name, path in copied.items()} == small_buffalo_l


def test_buffalo_l_zip_with_another_digest_is_refused(
    tmp_path: Path, small_buffalo_l: dict[str, bytes]
) -> None:
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as out:
        for name, data in small_buffalo_l.items():
            out.writestr(name, data + b"!")
    with pytest.raises(AssetError, match="tampered.zip"):
        rec_assets.install_buffalo_l(tmp_path / "models", local_source=tampered)
    assert not (tmp_path / "models" / "det_10g.onnx").exists()
