"""``colourfr greyscale IN OUT``: the ImageMagick-exact Rec. 709 luma variant."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from colourfr.images import read_rgb, rec709_luma, write_png

    write_png(args.output, rec709_luma(read_rgb(args.input)))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "greyscale",
        help="convert an image to 8-bit single-channel Rec. 709 luma (as ImageMagick "
        "-grayscale Rec709Luma)",
    )
    parser.add_argument("input", help="image file (any format Pillow reads)")
    parser.add_argument("output", help="PNG to write (8-bit, one channel)")
    parser.set_defaults(func=run)
