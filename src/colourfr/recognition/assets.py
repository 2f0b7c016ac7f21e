"""Downloadable files of the recognition systems, and the model packs built from them.

Checksums and sizes below were not computed here (no network to the InsightFace
release); each is the value that several independent public projects pin for the
same official file, cross-checked against one another:

* ``buffalo_l.zip`` from the InsightFace v0.7 GitHub release (the URL
  ``insightface.utils.storage`` itself downloads from): 288,621,354 bytes, sha256
  80ffe37d...ca2f; its members ``det_10g.onnx`` (16,923,827 bytes, 5838f7fe...5b91) and
  ``w600k_r50.onnx`` (174,383,860 bytes, 4c06341c...9e43).
* ``scrfd_2.5g_kps.onnx`` (SCRFD-2.5G with keypoints, input ``images`` 1x3x640x640):
  size and sha256 are those of the copy in ``shared/models/scrfd`` and are pinned by
  other projects for the same file name. The URL is the copy in hpc203/scrfd-opencv,
  where that file name is published; that it serves these exact bytes is NOT verified
  here, so a mismatch fails the sha256 check with a clear error and the user then sets
  ``params.detector`` to a local copy.

The MobileFaceNet ArcFace (MXNet ``model-symbol.json`` + ``model-0000.params``) has no
stable public URL with a published checksum that could be confirmed here: it is
taken from a local path (``params.mxnet_symbol`` / ``params.mxnet_params``) and
converted by ``colourfr models import-mxnet``.

InsightFace models are released for non-commercial research only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from colourfr.assets import Asset, resolve_asset, verify_file
from colourfr.errors import AssetError

INSIGHTFACE_LICENCE = "InsightFace pretrained models: non-commercial research use only"

BUFFALO_L_ZIP = Asset(
    name="buffalo_l",
    urls=("https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip",),
    sha256="80ffe37d8a5940d59a7384c201a2a38d4741f2f3c51eef46ebb28218a7b0ca2f",
    size=288_621_354,
    filename="buffalo_l.zip",
    licence=INSIGHTFACE_LICENCE,
)


def _buffalo_l_member(filename: str, sha256: str, size: int) -> Asset:
    """A model file inside the buffalo_l archive (not a separate download)."""
    return Asset(
        name=f"buffalo_l/{filename}",
        urls=BUFFALO_L_ZIP.urls,
        sha256=sha256,
        size=size,
        filename=filename,
        licence=INSIGHTFACE_LICENCE,
    )


DET_10G = _buffalo_l_member(
    "det_10g.onnx", "5838f7fe053675b1c7a08b633df49e7af5495cee0493c7dcf6697200b85b5b91", 16_923_827
)
W600K_R50 = _buffalo_l_member(
    "w600k_r50.onnx",
    "4c06341c33c2ca1f86781dab0e829f88ad5b64be9fba56e56bc9ebdefc619e43",
    174_383_860,
)
SCRFD_2_5G_KPS = Asset(
    name="scrfd_2.5g_kps",
    urls=("https://github.com/hpc203/scrfd-opencv/raw/main/weights/scrfd_2.5g_kps.onnx",),
    sha256="32d20c77b9e2dc1d07e94c2ab9d25bdd5cd05eddbe0b46e7b38e7a1eca22e99a",
    size=3_291_017,
    filename="scrfd_2.5g_kps.onnx",
    licence=INSIGHTFACE_LICENCE,
)

ASSETS: list[Asset] = [BUFFALO_L_ZIP, SCRFD_2_5G_KPS]


@dataclass(frozen=True)
class ModelPack:
    """A detector + recogniser pair, as files relative to ``RES/models``."""

    name: str
    detector: str
    recogniser: str
    summary: str


PACKS: dict[str, ModelPack] = {
    "buffalo_l": ModelPack(
        name="buffalo_l",
        detector="buffalo_l/det_10g.onnx",
        recogniser="buffalo_l/w600k_r50.onnx",
        summary="InsightFace buffalo_l: SCRFD-10G + ArcFace ResNet-50 (WebFace600K), 512-D",
    ),
    "mobilefacenet-scrfd": ModelPack(
        name="mobilefacenet-scrfd",
        detector="scrfd_2.5g_kps.onnx",
        recogniser="mobilefacenet-arcface.onnx",
        summary=(
            "offline stand-in: SCRFD-2.5G-kps + MobileFaceNet ArcFace (MS1M) converted "
            "from MXNet by colourfr models import-mxnet, 128-D"
        ),
    ),
}

_BUFFALO_MEMBERS = (DET_10G, W600K_R50)


def _extract_member(archive: zipfile.ZipFile, member_name: str, destination: Path) -> None:
    """Extract the archive member whose basename is ``member_name`` atomically."""
    matches = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == member_name]
    if not matches:
        raise AssetError(f"{archive.filename}: no member named {member_name}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{member_name}.")
    try:
        with os.fdopen(fd, "wb") as out, archive.open(matches[0]) as source:
            shutil.copyfileobj(source, out, 1 << 20)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp files are 0600
        os.replace(tmp_name, destination)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def install_buffalo_l(
    destination_dir: str | os.PathLike[str],
    local_source: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    allow_download: bool = True,
) -> dict[str, Path]:
    """Put verified ``det_10g.onnx`` and ``w600k_r50.onnx`` in ``destination_dir``.

    ``local_source`` may be a folder already holding the two files (e.g.
    ``~/.insightface/models/buffalo_l``) or a local ``buffalo_l.zip``; otherwise the
    archive is downloaded (sha256-checked) into ``cache_dir``. Without network the
    error says where to put the files.
    """
    destination_dir = Path(destination_dir)
    targets = {asset.target_name: destination_dir / asset.target_name for asset in _BUFFALO_MEMBERS}
    if all(path.is_file() for path in targets.values()):
        return {
            name: verify_file(path, asset)
            for (name, path), asset in zip(targets.items(), _BUFFALO_MEMBERS)
        }
    archive_path: Path | None = None
    if local_source is not None:
        source = Path(local_source)
        if source.is_dir():
            for asset in _BUFFALO_MEMBERS:
                found = verify_file(source / asset.target_name, asset)
                destination_dir.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(found, targets[asset.target_name])
            return targets
        archive_path = verify_file(source, BUFFALO_L_ZIP)
    else:
        cache = Path(cache_dir) if cache_dir is not None else destination_dir
        try:
            archive_path = resolve_asset(BUFFALO_L_ZIP, None, cache, allow_download)
        except AssetError as exc:
            raise AssetError(
                f"{exc}. Alternatively put det_10g.onnx and w600k_r50.onnx from "
                f"buffalo_l.zip into {destination_dir}, or set the recognition "
                "instance's params.pack_dir to a folder or zip holding them."
            ) from exc
    with zipfile.ZipFile(archive_path) as archive:
        for asset in _BUFFALO_MEMBERS:
            _extract_member(archive, asset.target_name, targets[asset.target_name])
            verify_file(targets[asset.target_name], asset)
    return targets
