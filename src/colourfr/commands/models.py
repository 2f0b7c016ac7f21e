"""``colourfr models ...``: model conversion utilities.

``colourfr models import-lightqnet GRAPH.pb OUT.onnx`` converts LightQNet's frozen graph.
``colourfr models import-mxnet SYMBOL.json PARAMS OUT.onnx`` converts a legacy InsightFace
MXNet checkpoint to ONNX without MXNet and prints the sha256 of the written file.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from colourfr.errors import ConfigError


def parse_input_shape(text: str) -> tuple[int | None, ...]:
    """``3,112,112`` (dynamic batch) or ``1,3,112,112`` (fixed batch); ``x`` also separates.

    A batch of ``?``, ``N`` or ``-1`` is dynamic too.
    """
    parts = [p for p in re.split(r"[,x×\s]+", text.strip()) if p]
    if len(parts) not in (3, 4):
        raise ConfigError(f"--input-shape {text!r}: give C,H,W or N,C,H,W")
    dims: list[int | None] = []
    for i, part in enumerate(parts):
        if i == 0 and len(parts) == 4 and part in ("?", "N", "n", "-1"):
            dims.append(None)
            continue
        if not part.isdigit() or int(part) <= 0:
            raise ConfigError(f"--input-shape {text!r}: {part!r} is not a positive integer")
        dims.append(int(part))
    if len(dims) == 3:
        dims.insert(0, None)
    return tuple(dims)


def _import_mxnet(args: argparse.Namespace) -> int:
    # Imported here so `colourfr --help` does not load onnx.
    from colourfr.recognition.mxnet_import import import_mxnet_model

    result = import_mxnet_model(
        args.symbol,
        args.params,
        args.output,
        input_shape=parse_input_shape(args.input_shape),
        input_name=args.input_name,
        output=args.output_node,
        prelu_mode=args.prelu,
    )
    shape = "x".join("N" if d is None else str(d) for d in result.input_shape)
    print(
        f"wrote {result.output_path} ({result.node_count} nodes, input "
        f"{result.input_name} {shape}, output {result.output_name})"
    )
    print(f"sha256 {result.sha256}")
    return 0


def _import_lightqnet(args: argparse.Namespace) -> int:
    from colourfr.assets import sha256_of
    from colourfr.quality.lightqnet_import import import_lightqnet

    written = import_lightqnet(args.graph, args.output)
    print(f"wrote {written} (input input Nx96x96x3 NHWC, output output Nx1)")
    print(f"sha256 {sha256_of(written)}")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("models", help="convert and inspect model files")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import-mxnet",
        help="convert an InsightFace legacy MXNet model (symbol + params) to ONNX",
        description="Convert an MXNet symbol JSON + .params checkpoint to ONNX (no MXNet "
        "needed). The result loads with insightface.model_zoo.get_model().",
    )
    imp.add_argument("symbol", help="model-symbol.json")
    imp.add_argument("params", help="model-NNNN.params")
    imp.add_argument("output", help="output .onnx path (written atomically)")
    imp.add_argument(
        "--input-shape",
        default="3,112,112",
        help="C,H,W with a dynamic batch, or N,C,H,W (default: 3,112,112)",
    )
    imp.add_argument("--input-name", default="data", help="input variable (default: data)")
    imp.add_argument(
        "--output-node",
        default=None,
        help="node to export (default: fc1 if present, else the symbol's head)",
    )
    imp.add_argument(
        "--prelu",
        choices=("native", "relu"),
        default="native",
        help="write PReLU as ONNX PRelu (default, like buffalo_l) or as the "
        "equivalent relu(x) - slope*relu(-x), faster in ONNX Runtime on CPU at "
        "small batch sizes (see docs/benchmarks.md)",
    )
    imp.set_defaults(func=_import_mxnet)
    lq = sub.add_parser(
        "import-lightqnet",
        help="convert a frozen LightQNet TensorFlow graph (.pb) to ONNX",
        description="Convert LightQNet's frozen graph to ONNX without TensorFlow or OpenCV "
        "(colourfr.quality.lightqnet_import); the result runs with onnxruntime.",
    )
    lq.add_argument("graph", help="lightqnet-dm100.pb (or dm050, dm025)")
    lq.add_argument("output", help="output .onnx path (written atomically)")
    lq.set_defaults(func=_import_lightqnet)
