"""``colourfr fetch``: download a model or dataset file with sha256 verification."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from colourfr.assets import Asset, resolve_asset
from colourfr.errors import AssetError

CATALOGUES = (
    "colourfr.datasets.assets",
    "colourfr.colourisers.assets",
    "colourfr.recognition.assets",
    "colourfr.quality.assets",
)


def known_assets() -> dict[str, Asset]:
    assets: dict[str, Asset] = {}
    for module_name in CATALOGUES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for asset in getattr(module, "ASSETS", []):
            assets[asset.name] = asset
    return assets


def run(args: argparse.Namespace) -> int:
    assets = known_assets()
    if args.list or not args.names:
        for name in sorted(assets):
            asset = assets[name]
            digest = asset.sha256 or "(no published sha256)"
            print(f"{name}\t{asset.target_name}\t{digest}\t{asset.urls[0]}")
        return 0
    for name in args.names:
        if name not in assets:
            raise AssetError(f"unknown asset {name!r}; `colourfr fetch --list` shows them")
        path = resolve_asset(assets[name], args.local, Path(args.dest), allow_download=True)
        print(f"{name}: {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fetch", help="download (or verify a local copy of) model weights and dataset files"
    )
    parser.add_argument("names", nargs="*", help="asset names (see --list)")
    parser.add_argument("--dest", default="resources/models", help="download folder")
    parser.add_argument("--local", help="verify this local file instead of downloading")
    parser.add_argument("--list", action="store_true", help="list known assets and digests")
    parser.set_defaults(func=run)
