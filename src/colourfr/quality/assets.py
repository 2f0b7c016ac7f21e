"""Downloadable files of the quality estimators (pure data, no heavy imports).

FaceQnet
    The weights are GitHub release assets of the FaceQnet repository
    (uam-biometrics/FaceQnet, formerly javier2491/FaceQnet). The authors publish
    neither a sha256 nor a file size for them, so none is recorded here: inventing one
    would make every genuine copy fail. Without a digest a download is checked
    structurally instead, when it is loaded: :mod:`colourfr.quality.faceqnet` refuses
    any .h5 whose input is not 224x224x3 or whose output is not one value. Record the
    sha256 of your copy from the provenance the estimator reports.
LightQNet
    Frozen TensorFlow graphs committed to KaenChan/lightqnet (MIT). The sha256 values
    are those of the files in that repository (the same bytes as ../shared/models).
"""

from __future__ import annotations

from colourfr.assets import Asset


def _faceqnet_release(name: str, tag: str, filename: str) -> Asset:
    """A FaceQnet .h5 of the authors' GitHub releases, which publish no checksum or size."""
    return Asset(
        name=name,
        urls=(f"https://github.com/uam-biometrics/FaceQnet/releases/download/{tag}/{filename}",),
        sha256=None,
        size=None,
        filename=filename,
        licence="FaceQnet repository (uam-biometrics); no licence file, research use",
    )


FACEQNET_V0 = _faceqnet_release("faceqnet-v0", "v0", "FaceQnet.h5")
FACEQNET_V1 = _faceqnet_release("faceqnet-v1", "v1.0", "FaceQnet_v1.h5")

# Pinned to the commit that added the models; the branch URL is a fallback mirror.
_LIGHTQNET_COMMIT = "d0798e5db4d07401d1868425e40805df06f53df2"
_LIGHTQNET_BASES = (
    f"https://raw.githubusercontent.com/KaenChan/lightqnet/{_LIGHTQNET_COMMIT}/",
    "https://raw.githubusercontent.com/KaenChan/lightqnet/master/",
)


def _lightqnet(variant: str, sha256: str, size: int) -> Asset:
    return Asset(
        name=f"lightqnet-{variant}",
        urls=tuple(f"{base}lightqnet-{variant}.pb" for base in _LIGHTQNET_BASES),
        sha256=sha256,
        size=size,
        licence="MIT (KaenChan/lightqnet)",
    )


LIGHTQNET = {
    "dm100": _lightqnet(
        "dm100", "057b8ea2714953b70745934bcd7a927f4676a827a55509a2adc64e7282f836f3", 1875662
    ),
    "dm050": _lightqnet(
        "dm050", "cf7d045e9c6b7eb99a599d1af9447cab6c23d4d97a2be4738d8279def859c4ac", 633029
    ),
    "dm025": _lightqnet(
        "dm025", "731eade9066ca76c78c9a989dd5d5c73d9dd2dfc3084bdb5fdfb6ad87cac6c10", 298422
    ),
}

ASSETS: list[Asset] = [FACEQNET_V0, FACEQNET_V1, *LIGHTQNET.values()]
