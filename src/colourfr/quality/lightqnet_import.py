"""LightQNet's frozen TensorFlow graphs converted to ONNX, run with onnxruntime.

OpenCV 5.1 removed ``cv2.dnn.readNetFromTensorflow``, which ran LightQNet before. The
three published graphs use a dozen TensorFlow ops; each maps onto standard ONNX ops:

| TensorFlow (NHWC) | ONNX (NCHW inside) |
|---|---|
| Placeholder ``input`` (N, 96, 96, 3) | graph input, transposed to NCHW once |
| Conv2D (weights HWIO), SAME/VALID | Conv (weights OIHW), ``auto_pad`` SAME_UPPER/VALID |
| DepthwiseConv2dNative (H, W, C, M) | Conv with ``group = C``, weights (C*M, 1, H, W) |
| FusedBatchNorm (inference) | BatchNormalization |
| Relu, Sigmoid, Add | the same |
| AvgPool (VALID) | AveragePool |
| Reshape | Transpose back to NHWC, then Reshape (TensorFlow's element order) |
| MatMul (+ BiasAdd) | MatMul (+ Add) |
| Identity, Const | aliases and initializers |

TensorFlow's SAME padding puts the odd pixel at the end, which is ONNX's SAME_UPPER. Any
other op is refused with an error naming it, so a graph this converter does not cover is
never silently mistranslated. The scores equal TensorFlow's on the frozen graphs within
1e-5 (tests/test_quality_lightqnet.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from colourfr import __version__
from colourfr.assets import sha256_of
from colourfr.io.atomic import write_bytes
from colourfr.quality.tf_graph import GraphParseError, Node, read_graph

INPUT_TENSOR = "input"
OUTPUT_TENSOR = "confidence_st"
SUPPORTED_OPS = frozenset(
    {
        "Placeholder", "Identity", "Const", "Conv2D", "DepthwiseConv2dNative",
        "FusedBatchNorm", "FusedBatchNormV3", "Relu", "Sigmoid", "Add", "AddV2",
        "AvgPool", "Reshape", "MatMul", "BiasAdd",
    }
)  # fmt: skip
_NHWC_TO_NCHW = [0, 3, 1, 2]
_NCHW_TO_NHWC = [0, 2, 3, 1]


def _source(name: str) -> str:
    # "node:0" and "^control" inputs name the node.
    return name.lstrip("^").split(":")[0]


def _padding(node: Node) -> str:
    padding = node.attrs.get("padding", b"VALID").decode()
    if padding not in ("SAME", "VALID"):
        raise GraphParseError(f"{node.name}: padding {padding!r} is not supported")
    return "SAME_UPPER" if padding == "SAME" else "VALID"


def _spatial(values: list[int], node: Node, key: str) -> list[int]:
    if node.attrs.get("data_format", b"NHWC") != b"NHWC":
        raise GraphParseError(f"{node.name}: only NHWC graphs are supported")
    if len(values) != 4:
        raise GraphParseError(f"{node.name}: {key} must have 4 entries")
    return [int(values[1]), int(values[2])]


class _Converter:
    def __init__(self, nodes: list[Node]) -> None:
        self.by_name = {node.name: node for node in nodes}
        self.onnx_nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.done: dict[str, tuple[str, str]] = {}  # tf name -> (onnx name, layout)

    # -- helpers -------------------------------------------------------------------------
    def constant(self, name: str) -> np.ndarray:
        node = self.by_name[_source(name)]
        while node.op == "Identity":
            node = self.by_name[_source(node.inputs[0])]
        if node.op != "Const":
            raise GraphParseError(f"{name}: expected a constant, found {node.op}")
        return np.asarray(node.attrs["value"])

    def initializer(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def add(self, op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        self.onnx_nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def as_layout(self, name: str, layout: str) -> str:
        """The ONNX tensor of TF tensor ``name`` in ``layout`` (nchw or nhwc)."""
        onnx_name, current = self.convert(name)
        if current == layout or current == "flat":
            return onnx_name
        perm = _NHWC_TO_NCHW if layout == "nchw" else _NCHW_TO_NHWC
        return self.add("Transpose", [onnx_name], f"{onnx_name}__{layout}", perm=perm)

    # -- ops -----------------------------------------------------------------------------
    def convert(self, name: str) -> tuple[str, str]:
        key = _source(name)
        if key in self.done:
            return self.done[key]
        node = self.by_name.get(key)
        if node is None:
            raise GraphParseError(f"the graph has no node {key!r}")
        if node.op not in SUPPORTED_OPS:
            raise GraphParseError(
                f"{node.name}: TensorFlow op {node.op!r} is not supported by the LightQNet "
                f"converter (supported: {', '.join(sorted(SUPPORTED_OPS))})"
            )
        result = getattr(self, f"_op_{node.op}", None)
        if result is None:  # aliases of the same ONNX op
            result = {"FusedBatchNormV3": self._op_FusedBatchNorm, "AddV2": self._op_Add}[node.op]
        self.done[key] = result(node)
        return self.done[key]

    def _op_Placeholder(self, node: Node) -> tuple[str, str]:
        return node.name, "nhwc"

    def _op_Identity(self, node: Node) -> tuple[str, str]:
        return self.convert(node.inputs[0])

    def _op_Const(self, node: Node) -> tuple[str, str]:
        return self.initializer(node.name, node.attrs["value"]), "flat"

    def _conv(self, node: Node, weights: np.ndarray, group: int) -> tuple[str, str]:
        x = self.as_layout(node.inputs[0], "nchw")
        w = self.initializer(f"{node.name}/W", weights.astype(np.float32))
        output = self.add(
            "Conv", [x, w], node.name,
            strides=_spatial(node.attrs.get("strides", [1, 1, 1, 1]), node, "strides"),
            dilations=_spatial(node.attrs.get("dilations", [1, 1, 1, 1]), node, "dilations"),
            auto_pad=_padding(node), group=group,
        )  # fmt: skip
        return output, "nchw"

    def _op_Conv2D(self, node: Node) -> tuple[str, str]:
        hwio = self.constant(node.inputs[1])
        return self._conv(node, hwio.transpose(3, 2, 0, 1), group=1)

    def _op_DepthwiseConv2dNative(self, node: Node) -> tuple[str, str]:
        hwcm = self.constant(node.inputs[1])
        height, width, channels, multiplier = hwcm.shape
        # TF output channel c*M + m comes from input channel c: ONNX groups = channels.
        weights = hwcm.transpose(2, 3, 0, 1).reshape(channels * multiplier, 1, height, width)
        return self._conv(node, weights, group=channels)

    def _op_FusedBatchNorm(self, node: Node) -> tuple[str, str]:
        if node.attrs.get("is_training", False):
            raise GraphParseError(f"{node.name}: a training-mode batch norm cannot be frozen")
        x = self.as_layout(node.inputs[0], "nchw")
        names = [
            self.initializer(f"{node.name}/{part}", self.constant(inp).astype(np.float32))
            for part, inp in zip(("scale", "bias", "mean", "var"), node.inputs[1:5])
        ]
        epsilon = float(node.attrs.get("epsilon", 1e-3))
        return self.add("BatchNormalization", [x, *names], node.name, epsilon=epsilon), "nchw"

    def _unary(self, op: str, node: Node) -> tuple[str, str]:
        x, layout = self.convert(node.inputs[0])
        return self.add(op, [x], node.name), layout

    def _op_Relu(self, node: Node) -> tuple[str, str]:
        return self._unary("Relu", node)

    def _op_Sigmoid(self, node: Node) -> tuple[str, str]:
        return self._unary("Sigmoid", node)

    def _op_Add(self, node: Node) -> tuple[str, str]:
        layouts = {self.convert(i)[1] for i in node.inputs}
        layout = "nchw" if "nchw" in layouts else ("nhwc" if "nhwc" in layouts else "flat")
        inputs = [
            self.as_layout(i, layout) if layout != "flat" else self.convert(i)[0]
            for i in node.inputs
        ]
        return self.add("Add", inputs, node.name), layout

    def _op_AvgPool(self, node: Node) -> tuple[str, str]:
        if _padding(node) != "VALID":
            raise GraphParseError(f"{node.name}: only VALID average pooling is supported")
        x = self.as_layout(node.inputs[0], "nchw")
        output = self.add(
            "AveragePool", [x], node.name,
            kernel_shape=_spatial(node.attrs["ksize"], node, "ksize"),
            strides=_spatial(node.attrs.get("strides", [1, 1, 1, 1]), node, "strides"),
        )  # fmt: skip
        return output, "nchw"

    def _op_Reshape(self, node: Node) -> tuple[str, str]:
        x = self.as_layout(node.inputs[0], "nhwc")  # TensorFlow's element order
        shape = self.initializer(
            f"{node.name}/shape", self.constant(node.inputs[1]).astype(np.int64)
        )
        return self.add("Reshape", [x, shape], node.name), "flat"

    def _op_MatMul(self, node: Node) -> tuple[str, str]:
        a, layout = self.convert(node.inputs[0])
        if layout != "flat" or node.attrs.get("transpose_a", False):
            raise GraphParseError(f"{node.name}: only a 2-D MatMul with a constant is supported")
        weights = self.constant(node.inputs[1]).astype(np.float32)
        if node.attrs.get("transpose_b", False):
            weights = weights.T
        b = self.initializer(f"{node.name}/B", weights)
        return self.add("MatMul", [a, b], node.name), "flat"

    def _op_BiasAdd(self, node: Node) -> tuple[str, str]:
        x, layout = self.convert(node.inputs[0])
        bias = self.constant(node.inputs[1]).astype(np.float32)
        if layout == "nchw":
            bias = bias.reshape(-1, 1, 1)
        b = self.initializer(f"{node.name}/bias", bias)
        return self.add("Add", [x, b], node.name), layout


def convert_lightqnet(
    graph_path: str | os.PathLike[str],
    input_name: str = INPUT_TENSOR,
    output_name: str = OUTPUT_TENSOR,
) -> onnx.ModelProto:
    """The ONNX model of a frozen LightQNet graph: input ``input`` (N, 96, 96, 3) float32
    NHWC, output ``confidence_st`` (N, 1)."""
    graph_path = Path(graph_path)
    try:
        nodes = read_graph(graph_path.read_bytes())
    except OSError as exc:
        raise GraphParseError(f"{graph_path}: cannot read ({exc})") from None
    except GraphParseError as exc:
        raise GraphParseError(f"{graph_path}: {exc}") from None
    names = {node.name for node in nodes}
    for required in (input_name, output_name):
        if required not in names:
            raise GraphParseError(f"{graph_path}: not a LightQNet graph (no tensor {required!r})")
    converter = _Converter(nodes)
    try:
        last = converter.as_layout(output_name, "nhwc")
    except GraphParseError as exc:
        raise GraphParseError(f"{graph_path}: {exc}") from None
    converter.add("Identity", [last], "output")
    placeholder = converter.by_name[input_name]
    shape = [d if d > 0 else None for d in placeholder.attrs.get("shape", [-1, 96, 96, 3])]
    graph = helper.make_graph(
        converter.onnx_nodes,
        "lightqnet",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [shape[0], 1])],
        initializer=converter.initializers,
    )
    model = helper.make_model(
        graph, producer_name="colourfr", opset_imports=[helper.make_opsetid("", 13)]
    )
    model.ir_version = 8
    for key, value in {
        "source_graph": graph_path.name,
        "source_graph_sha256": sha256_of(graph_path),
        "converter": f"colourfr {__version__} import-lightqnet",
    }.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    return model


def import_lightqnet(
    graph_path: str | os.PathLike[str], output_path: str | os.PathLike[str]
) -> Path:
    """Convert ``graph_path`` and write the ONNX model atomically."""
    model = convert_lightqnet(graph_path)
    write_bytes(output_path, model.SerializeToString(deterministic=True))
    return Path(output_path)
