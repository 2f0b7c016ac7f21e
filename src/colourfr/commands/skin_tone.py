"""``colourfr skin-tone``: mean CIELAB, hue angle, ITA and ITA group of images, in the
face's skin region (cheeks and forehead placed by an InsightFace SCRFD detector's five
landmarks, as the workflow places them from the recognition system's detection) or over
the whole image (pre-cropped skin patches, checks)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from colourfr.errors import ConfigError, ImageReadError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "skin-tone",
        help="skin tone (L*, a*, b*, hue, ITA, group) of face images",
        description=(
            "Per image: mean L*, a*, b* (sRGB -> CIELAB, D65) of the skin region, the hue"
            " angle atan2(b*, a*), the individual typology angle atan((L*-50)/b*) in"
            " degrees and its group (Chardon's six bins by default; docs/metrics.md)."
            " A failure (unreadable image, no face) is reported per image, never an error."
        ),
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument(
        "--region",
        choices=("face", "whole-image"),
        default="face",
        help="face: cheek and forehead patches from the detector's landmarks (default);"
        " whole-image: every pixel",
    )
    parser.add_argument(
        "--detector",
        metavar="ONNX",
        help="InsightFace SCRFD detector with landmarks (*_kps.onnx, det_10g.onnx);"
        " needed for --region face",
    )
    parser.add_argument("--det-size", type=int, default=640, help="detector input side")
    parser.add_argument(
        "--bins",
        metavar="JSON",
        help='ITA bins as JSON, e.g. \'[{"name": "dark", "max": 10}, {"name": "light",'
        ' "min": 10}]\' (min exclusive, max inclusive); default Chardon 1991',
    )
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.set_defaults(func=run)


class _Landmarker:
    """SCRFD detection only: the five landmarks of the face recognition would choose."""

    def __init__(self, detector: str, det_size: int) -> None:
        from insightface.model_zoo import model_zoo

        from colourfr.recognition.insightface_arcface import execution_providers

        self.model = model_zoo.get_model(
            detector, providers=execution_providers("cpu"), static_shape_sessions=False
        )
        if self.model is None or not getattr(self.model, "use_kps", False):
            raise ConfigError(f"--detector {detector}: not an InsightFace detector with landmarks")
        self.model.prepare(0, input_size=(det_size, det_size), det_thresh=0.5, nms_thresh=0.4)

    def landmarks(self, rgb: Any) -> Any:
        import numpy as np

        from colourfr.recognition.selection import choose_face

        boxes, points = self.model.detect(np.ascontiguousarray(rgb[:, :, ::-1]), max_num=0)
        chosen = choose_face(np.asarray(boxes).reshape(-1, 5)[:, :4], rgb.shape, "largest_central")
        return None if chosen is None else np.asarray(points, dtype=float).reshape(-1, 5, 2)[chosen]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def run(args: argparse.Namespace) -> int:
    from colourfr.images import read_rgb
    from colourfr.recognition.base import FAILURE_NO_FACE
    from colourfr.skin_tone import (
        CHARDON_BINS,
        face_skin_tone,
        failed_tone,
        group_of,
        ita_bins,
        tone_of_pixels,
    )

    bins = ita_bins(json.loads(args.bins) if args.bins else CHARDON_BINS, key="--bins")
    landmarker = None
    if args.region == "face":
        if not args.detector:
            raise ConfigError("--region face needs --detector (an InsightFace SCRFD *_kps.onnx)")
        landmarker = _Landmarker(args.detector, args.det_size)
    rows = []
    for path in args.images:
        try:
            rgb = read_rgb(path)
        except ImageReadError as error:
            tone = failed_tone(error.reason)
        else:
            if landmarker is None:
                tone = tone_of_pixels(rgb.reshape(-1, 3))
            else:
                points = landmarker.landmarks(rgb)
                tone = (
                    failed_tone(FAILURE_NO_FACE) if points is None else face_skin_tone(rgb, points)
                )
        rows.append(
            {
                "image": path,
                "L": _finite(tone.L),
                "a": _finite(tone.a),
                "b": _finite(tone.b),
                "hue": _finite(tone.hue),
                "ita": _finite(tone.ita),
                "group": group_of(tone.ita, bins),
                "n_pixels": tone.n_pixels,
                "failure": tone.failure,
            }
        )
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        import pandas as pd

        pd.DataFrame(rows).to_csv(sys.stdout, index=False)
    return 0
