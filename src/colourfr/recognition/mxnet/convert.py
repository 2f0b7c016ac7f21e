"""Build an ONNX model from an MXNet symbol graph and its parameters.

Only the nodes the requested output depends on are converted, so a training symbol with
an ArcFace head (``fc7``, ``SoftmaxOutput``, a label variable) converts to the embedding
network when the output is ``fc1``. Nodes keep their MXNet names: insightface's
``ArcFaceONNX`` looks for nodes named ``_minus*``/``_mul*`` among the first eight to decide
that the graph normalises its own input (then feeds raw 0-255 pixels), which is exactly
what the legacy InsightFace models do with ``_minus_scalar`` and ``_mul_scalar``.

Inference semantics followed (MXNet operator docs / source):
- BatchNorm always uses the moving statistics at inference; ``fix_gamma=True`` (the
  default!) means gamma is 1 whatever the checkpoint holds; ``eps`` defaults to 1e-3.
- FullyConnected with ``flatten=True`` (default) flattens all but the batch axis first;
  with ``flatten=False`` it applies to the last axis.
- Dropout, BlockGrad, _copy are identities; SoftmaxOutput is a softmax over axis 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from colourfr.recognition.mxnet.params import MXNetParams
from colourfr.recognition.mxnet.symbol import (
    MXNetConversionError,
    SymbolGraph,
    SymbolNode,
    parse_bool,
    parse_int_tuple,
)

OPSET = 13
# IR 7 is the oldest IR that carries opset 13: keeps the file loadable by older runtimes.
IR_VERSION = 7
DEFAULT_INPUT_NAME = "data"
DEFAULT_OUTPUT_NAME = "fc1"
BATCH_DIM = "batch"
PRELU_MODES = ("native", "relu")


@dataclass(frozen=True)
class Tensor:
    """An ONNX value produced while converting, with its rank (needed by a few ops)."""

    name: str
    rank: int


class _Builder:
    def __init__(
        self,
        graph: SymbolGraph,
        params: MXNetParams,
        input_name: str,
        input_rank: int,
        prelu_mode: str = "native",
    ) -> None:
        self.graph = graph
        self.prelu_mode = prelu_mode
        self.params = params
        self.input_name = input_name
        self.input_rank = input_rank
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, onnx.TensorProto] = {}
        self.values: dict[tuple[int, int], Tensor] = {}
        # Op outputs are named after their MXNet node; variables after themselves when
        # first materialised, so only op names and the input are reserved up front.
        self.used_names: set[str] = {n.name for n in graph.nodes if not n.is_variable}
        self.used_names.add(input_name)
        self.input_used = False

    # -- naming and constants -------------------------------------------------------
    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.used_names:
            name, k = f"{base}_{k}", k + 1
        self.used_names.add(name)
        return name

    def constant(self, base: str, array: np.ndarray) -> Tensor:
        name = self.fresh(base)
        self.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(array), name)
        return Tensor(name, array.ndim)

    def scalar(self, base: str, value: float) -> Tensor:
        # A 0-d constant broadcasts against any rank.
        return self.constant(base, np.array(value, dtype=np.float32))

    def emit(
        self,
        op_type: str,
        inputs: Sequence[str],
        base: str,
        rank: int,
        node_name: str | None = None,
        **attrs: Any,
    ) -> Tensor:
        out = base if base not in self.used_names or base == node_name else self.fresh(base)
        self.used_names.add(out)
        self.nodes.append(
            helper.make_node(op_type, list(inputs), [out], name=node_name or out, **attrs)
        )
        return Tensor(out, rank)

    # -- inputs of a node -----------------------------------------------------------
    def source(self, node: SymbolNode, position: int) -> SymbolNode:
        """The node feeding input ``position`` of ``node``."""
        if position >= len(node.inputs):
            raise MXNetConversionError(
                f"{self.graph.source}: {node.describe()} has {len(node.inputs)} inputs, "
                f"needs at least {position + 1} with its attributes"
            )
        return self.graph.nodes[node.inputs[position][0]]

    def variable_array(self, node: SymbolNode, position: int) -> np.ndarray:
        """The checkpoint array behind input ``position`` of ``node`` (must be a variable)."""
        var = self.source(node, position)
        if not var.is_variable:
            raise MXNetConversionError(
                f"{self.graph.source}: {node.describe()} input {position} is computed by "
                f"{var.describe()}; a parameter variable is expected there"
            )
        array = self.params.get(var.name)
        if array is None:
            raise MXNetConversionError(
                f"{self.graph.source}: parameter {var.name!r} needed by {node.describe()} "
                "is not in the .params file"
            )
        return np.asarray(array, dtype=np.float32)

    def input(self, node: SymbolNode, position: int) -> Tensor:
        var = self.source(node, position)
        key = node.inputs[position]
        if key in self.values:
            return self.values[key]
        if not var.is_variable:
            raise MXNetConversionError(
                f"{self.graph.source}: {node.describe()} reads output #{key[1]} of "
                f"{var.describe()}; only first outputs are supported"
            )
        if var.name == self.input_name:
            self.input_used = True
            tensor = Tensor(var.name, self.input_rank)
        else:
            tensor = self.constant(var.name, self.variable_array(node, position))
        self.values[key] = tensor
        return tensor


# -- attribute access with the op's defaults; errors name the node ----------------------


def _attr(
    node: SymbolNode, key: str, parse: Callable[[str], object], default: object, source: str
) -> object:
    if key not in node.attrs:
        return default
    try:
        return parse(node.attrs[key])
    except (ValueError, SyntaxError) as exc:
        raise MXNetConversionError(
            f"{source}: {node.describe()} attribute {key}={node.attrs[key]!r}: {exc}"
        ) from exc


class _NodeAttrs:
    def __init__(self, node: SymbolNode, source: str) -> None:
        self.node, self.source = node, source

    def get_bool(self, key: str, default: bool) -> bool:
        return bool(_attr(self.node, key, parse_bool, default, self.source))

    def get_float(self, key: str, default: float) -> float:
        return float(_attr(self.node, key, float, default, self.source))  # type: ignore[arg-type]

    def get_int(self, key: str, default: int) -> int:
        return int(_attr(self.node, key, int, default, self.source))  # type: ignore[call-overload]

    def get_ints(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = _attr(self.node, key, parse_int_tuple, default, self.source)
        return tuple(value)  # type: ignore[arg-type]

    def get_str(self, key: str, default: str) -> str:
        return self.node.attrs.get(key, default)


def _unsupported(b: _Builder, node: SymbolNode, what: str) -> MXNetConversionError:
    return MXNetConversionError(f"{b.graph.source}: {node.describe()}: unsupported {what}")


Converter = Callable[[_Builder, SymbolNode, _NodeAttrs], Tensor]
CONVERTERS: dict[str, Converter] = {}


def _register(*ops: str) -> Callable[[Converter], Converter]:
    def wrap(fn: Converter) -> Converter:
        for op in ops:
            CONVERTERS[op] = fn
        return fn

    return wrap


def _spatial(values: tuple[int, ...], n: int, default: int) -> list[int]:
    return list(values) if values else [default] * n


@_register("Convolution")
def _convolution(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    layout = a.get_str("layout", "None")
    if layout not in ("None", "NCW", "NCHW", "NCDHW"):
        raise _unsupported(b, node, f"layout {layout}")
    x = b.input(node, 0)
    weight = b.variable_array(node, 1)
    kernel = a.get_ints("kernel", ())
    n = len(kernel) or weight.ndim - 2
    groups = a.get_int("num_group", 1)
    num_filter = a.get_int("num_filter", weight.shape[0])
    if (
        weight.ndim != n + 2
        or weight.shape[0] != num_filter
        or (kernel and tuple(weight.shape[2:]) != kernel)
    ):
        raise MXNetConversionError(
            f"{b.graph.source}: {node.describe()}: weight shape {weight.shape} does not "
            f"match num_filter={num_filter}, kernel={kernel}"
        )
    pads = _spatial(a.get_ints("pad", ()), n, 0)
    inputs = [x.name, b.constant(b.source(node, 1).name, weight).name]
    if not a.get_bool("no_bias", False):
        inputs.append(b.constant(b.source(node, 2).name, b.variable_array(node, 2)).name)
    return b.emit(
        "Conv",
        inputs,
        node.name,
        x.rank,
        node_name=node.name,
        kernel_shape=list(weight.shape[2:]),
        strides=_spatial(a.get_ints("stride", ()), n, 1),
        dilations=_spatial(a.get_ints("dilate", ()), n, 1),
        pads=pads + pads,
        group=groups,
    )


@_register("BatchNorm")
def _batch_norm(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    axis = a.get_int("axis", 1)
    if axis not in (1, 1 - x.rank):
        raise _unsupported(b, node, f"BatchNorm axis={axis} (only the channel axis 1)")
    gamma = b.variable_array(node, 1)
    beta = b.variable_array(node, 2)
    mean = b.variable_array(node, 3)
    var = b.variable_array(node, 4)
    if a.get_bool("fix_gamma", True):
        # MXNet ignores the stored gamma (often left at its random init) and uses 1.
        gamma = np.ones_like(gamma)
    eps = a.get_float("eps", 1e-3)
    names = [
        b.constant(f"{node.name}_{part}", arr).name
        for part, arr in (
            ("gamma", gamma),
            ("beta", beta),
            ("moving_mean", mean),
            ("moving_var", var),
        )
    ]
    return b.emit(
        "BatchNormalization", [x.name, *names], node.name, x.rank, node_name=node.name, epsilon=eps
    )


def _prelu_slope(gamma: np.ndarray, rank: int) -> np.ndarray:
    # MXNet's gamma is per channel (axis 1); ONNX broadcasts from the right.
    return gamma.reshape((-1,) + (1,) * max(rank - 2, 0))


@_register("LeakyReLU")
def _leaky_relu(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    act = a.get_str("act_type", "leaky")
    if act == "prelu":
        gamma_name = b.source(node, 1).name
        slope = _prelu_slope(b.variable_array(node, 1), x.rank)
        if b.prelu_mode == "native":
            gamma = b.constant(gamma_name, slope)
            return b.emit("PRelu", [x.name, gamma.name], node.name, x.rank, node_name=node.name)
        # relu(x) - slope * relu(-x): the same values, but built from ops that ONNX
        # Runtime keeps in its blocked (NCHWc) CPU layout; PRelu forces a reorder before and
        # after, which dominates at small batch sizes.
        pos = b.emit("Relu", [x.name], f"{node.name}_pos", x.rank)
        flipped = b.emit("Neg", [x.name], f"{node.name}_flip", x.rank)
        neg = b.emit("Relu", [flipped.name], f"{node.name}_negpart", x.rank)
        minus_slope = b.constant(f"{gamma_name}_negated", -slope)
        scaled = b.emit("Mul", [neg.name, minus_slope.name], f"{node.name}_negscaled", x.rank)
        return b.emit("Add", [pos.name, scaled.name], node.name, x.rank, node_name=node.name)
    if act in ("leaky", "elu"):
        # MXNet's slope is the alpha of both ONNX operators, with the same default.
        return b.emit(
            "LeakyRelu" if act == "leaky" else "Elu",
            [x.name],
            node.name,
            x.rank,
            node_name=node.name,
            alpha=a.get_float("slope", 0.25),
        )
    if act == "selu":
        return b.emit("Selu", [x.name], node.name, x.rank, node_name=node.name)
    if act == "rrelu":  # at inference the random slope is the mean of its range
        mean_slope = (a.get_float("lower_bound", 0.125) + a.get_float("upper_bound", 0.334)) / 2
        return b.emit(
            "LeakyRelu", [x.name], node.name, x.rank, node_name=node.name, alpha=mean_slope
        )
    raise _unsupported(b, node, f"LeakyReLU act_type={act}")


_ACTIVATIONS = {
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softrelu": "Softplus",
    "softsign": "Softsign",
}


@_register("Activation")
def _activation(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    act = a.get_str("act_type", "")
    if act not in _ACTIVATIONS:
        raise _unsupported(b, node, f"Activation act_type={act!r}")
    x = b.input(node, 0)
    return b.emit(_ACTIVATIONS[act], [x.name], node.name, x.rank, node_name=node.name)


_UNARY = {
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "sqrt": "Sqrt",
    "exp": "Exp",
    "log": "Log",
    "abs": "Abs",
    "negative": "Neg",
}


def _unary(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    return b.emit(_UNARY[node.op], [x.name], node.name, x.rank, node_name=node.name)


for _op in _UNARY:
    CONVERTERS[_op] = _unary


@_register("square")
def _square(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    return b.emit("Mul", [x.name, x.name], node.name, x.rank, node_name=node.name)


_BINARY = {}
for _names, _onnx in (
    (("elemwise_add", "_plus", "_Plus", "broadcast_add", "broadcast_plus"), "Add"),
    (("elemwise_sub", "_minus", "_Minus", "broadcast_sub", "broadcast_minus"), "Sub"),
    (("elemwise_mul", "_mul", "_Mul", "broadcast_mul"), "Mul"),
    (("elemwise_div", "_div", "_Div", "broadcast_div"), "Div"),
    (("_maximum", "broadcast_maximum"), "Max"),
    (("_minimum", "broadcast_minimum"), "Min"),
):
    for _name in _names:
        _BINARY[_name] = _onnx


def _binary(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    lhs, rhs = b.input(node, 0), b.input(node, 1)
    if node.op.startswith("broadcast_") and lhs.rank != rhs.rank:
        # MXNet requires equal ranks; ONNX would silently align from the right.
        raise _unsupported(b, node, f"broadcast between ranks {lhs.rank} and {rhs.rank}")
    return b.emit(
        _BINARY[node.op],
        [lhs.name, rhs.name],
        node.name,
        max(lhs.rank, rhs.rank),
        node_name=node.name,
    )


for _op in _BINARY:
    CONVERTERS[_op] = _binary


@_register("add_n", "ElementWiseSum")
def _add_n(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    xs = [b.input(node, i) for i in range(len(node.inputs))]
    return b.emit(
        "Sum", [x.name for x in xs], node.name, max(x.rank for x in xs), node_name=node.name
    )


# op -> (ONNX op, scalar on the left?)
_SCALAR = {
    "_plus_scalar": ("Add", False),
    "_PlusScalar": ("Add", False),
    "_minus_scalar": ("Sub", False),
    "_MinusScalar": ("Sub", False),
    "_rminus_scalar": ("Sub", True),
    "_RMinusScalar": ("Sub", True),
    "_mul_scalar": ("Mul", False),
    "_MulScalar": ("Mul", False),
    "_div_scalar": ("Div", False),
    "_DivScalar": ("Div", False),
    "_rdiv_scalar": ("Div", True),
    "_RDivScalar": ("Div", True),
    "_power_scalar": ("Pow", False),
    "_PowerScalar": ("Pow", False),
    "_maximum_scalar": ("Max", False),
    "_MaximumScalar": ("Max", False),
    "_minimum_scalar": ("Min", False),
    "_MinimumScalar": ("Min", False),
}


def _scalar_op(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    if "scalar" not in node.attrs:
        raise _unsupported(b, node, "scalar op without a 'scalar' attribute")
    c = b.scalar(f"{node.name}_scalar", a.get_float("scalar", 0.0))
    op, scalar_first = _SCALAR[node.op]
    inputs = [c.name, x.name] if scalar_first else [x.name, c.name]
    return b.emit(op, inputs, node.name, x.rank, node_name=node.name)


for _op in _SCALAR:
    CONVERTERS[_op] = _scalar_op


@_register("Dropout", "BlockGrad", "_copy", "identity", "stop_gradient", "MakeLoss")
def _identity(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    return b.emit("Identity", [x.name], node.name, x.rank, node_name=node.name)


@_register("Flatten", "flatten")
def _flatten(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    return b.emit("Flatten", [x.name], node.name, 2, node_name=node.name, axis=1)


@_register("FullyConnected")
def _fully_connected(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    weight = b.variable_array(node, 1)
    num_hidden = a.get_int("num_hidden", weight.shape[0])
    if weight.ndim != 2 or weight.shape[0] != num_hidden:
        raise MXNetConversionError(
            f"{b.graph.source}: {node.describe()}: weight shape {weight.shape} does not "
            f"match num_hidden={num_hidden}"
        )
    weight_name = b.source(node, 1).name
    bias = None if a.get_bool("no_bias", False) else b.variable_array(node, 2)
    if a.get_bool("flatten", True):
        if x.rank != 2:
            x = b.emit("Flatten", [x.name], f"{node.name}_flatten", 2, axis=1)
        inputs = [x.name, b.constant(weight_name, weight).name]
        if bias is not None:
            inputs.append(b.constant(b.source(node, 2).name, bias).name)
        return b.emit("Gemm", inputs, node.name, 2, node_name=node.name, transB=1)
    # flatten=False: y = x @ W.T (+ b) over the last axis, batch axes kept.
    product_name = node.name if bias is None else f"{node.name}_matmul"
    y = b.emit(
        "MatMul",
        [x.name, b.constant(f"{weight_name}_T", weight.T).name],
        product_name,
        x.rank,
        node_name=node.name if bias is None else None,
    )
    if bias is None:
        return y
    c = b.constant(b.source(node, 2).name, bias)
    return b.emit("Add", [y.name, c.name], node.name, x.rank, node_name=node.name)


@_register("Pooling")
def _pooling(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    pool_type = a.get_str("pool_type", "max")
    if pool_type not in ("max", "avg", "sum"):
        raise _unsupported(b, node, f"Pooling pool_type={pool_type}")
    onnx_op = "MaxPool" if pool_type == "max" else "AveragePool"
    if a.get_bool("global_pool", False):
        if pool_type == "sum":
            raise _unsupported(b, node, "global sum pooling")
        return b.emit(f"Global{onnx_op}", [x.name], node.name, x.rank, node_name=node.name)
    kernel = list(a.get_ints("kernel", ()))
    if not kernel:
        raise _unsupported(b, node, "Pooling without kernel")
    n = len(kernel)
    strides = _spatial(a.get_ints("stride", ()), n, 1)
    pads = _spatial(a.get_ints("pad", ()), n, 0)
    convention = a.get_str("pooling_convention", "valid")
    if convention not in ("valid", "full"):
        raise _unsupported(b, node, f"pooling_convention={convention}")
    attrs: dict[str, Any] = {"kernel_shape": kernel, "strides": strides, "pads": pads + pads}
    if convention == "full":
        if pool_type != "max":
            # MXNet and ONNX divide partial edge windows differently; refuse, don't guess.
            raise _unsupported(b, node, f"pooling_convention=full with pool_type={pool_type}")
        attrs["ceil_mode"] = 1
    if pool_type != "max":
        attrs["count_include_pad"] = 1 if a.get_bool("count_include_pad", True) else 0
    if pool_type == "sum":
        if not attrs["count_include_pad"]:
            raise _unsupported(b, node, "sum pooling with count_include_pad=False")
        mean = b.emit(onnx_op, [x.name], f"{node.name}_mean", x.rank, **attrs)
        window = b.scalar(f"{node.name}_window", float(np.prod(kernel)))
        return b.emit("Mul", [mean.name, window.name], node.name, x.rank, node_name=node.name)
    return b.emit(onnx_op, [x.name], node.name, x.rank, node_name=node.name, **attrs)


@_register("Concat", "concat")
def _concat(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    xs = [b.input(node, i) for i in range(len(node.inputs))]
    return b.emit(
        "Concat",
        [x.name for x in xs],
        node.name,
        xs[0].rank,
        node_name=node.name,
        axis=a.get_int("dim", 1),
    )


@_register("Reshape", "reshape")
def _reshape(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    shape = a.get_ints("shape", ())
    if not shape or any(s < -1 for s in shape) or a.get_bool("reverse", False):
        # MXNet's special codes -2/-3/-4 and reverse have no direct ONNX equivalent.
        raise _unsupported(
            b,
            node,
            f"Reshape shape={node.attrs.get('shape')} reverse={node.attrs.get('reverse', 'False')}",
        )
    target = b.constant(f"{node.name}_shape", np.array(shape, dtype=np.int64))
    return b.emit("Reshape", [x.name, target.name], node.name, len(shape), node_name=node.name)


@_register("transpose")
def _transpose(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    axes = list(a.get_ints("axes", ())) or list(range(x.rank))[::-1]
    return b.emit("Transpose", [x.name], node.name, x.rank, node_name=node.name, perm=axes)


@_register("softmax", "SoftmaxActivation", "SoftmaxOutput", "Softmax")
def _softmax(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)  # SoftmaxOutput's label input only matters for training
    if node.op == "softmax":
        axis = a.get_int("axis", -1)
    elif node.op == "SoftmaxActivation" and a.get_str("mode", "instance") == "channel":
        axis = 1
    else:
        if x.rank != 2 or a.get_bool("multi_output", False):
            raise _unsupported(b, node, f"{node.op} on a rank-{x.rank} input")
        axis = 1
    return b.emit("Softmax", [x.name], node.name, x.rank, node_name=node.name, axis=axis)


@_register("L2Normalization")
def _l2_normalization(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    mode = a.get_str("mode", "instance")
    axes = {
        "instance": list(range(1, x.rank)),
        "channel": [1],
        "spatial": list(range(2, x.rank)),
    }.get(mode)
    if not axes:
        raise _unsupported(b, node, f"L2Normalization mode={mode} on rank {x.rank}")
    sq = b.emit("ReduceSumSquare", [x.name], f"{node.name}_sumsq", x.rank, axes=axes, keepdims=1)
    eps = b.scalar(f"{node.name}_eps", a.get_float("eps", 1e-10))
    total = b.emit("Add", [sq.name, eps.name], f"{node.name}_sumsq_eps", x.rank)
    norm = b.emit("Sqrt", [total.name], f"{node.name}_norm", x.rank)
    return b.emit("Div", [x.name, norm.name], node.name, x.rank, node_name=node.name)


@_register("clip")
def _clip(b: _Builder, node: SymbolNode, a: _NodeAttrs) -> Tensor:
    x = b.input(node, 0)
    lo = b.scalar(f"{node.name}_min", a.get_float("a_min", -math.inf))
    hi = b.scalar(f"{node.name}_max", a.get_float("a_max", math.inf))
    return b.emit("Clip", [x.name, lo.name, hi.name], node.name, x.rank, node_name=node.name)


def supported_ops() -> list[str]:
    """Every MXNet op name this converter handles (for docs and error messages)."""
    return sorted(CONVERTERS)


def _needed_nodes(graph: SymbolGraph, outputs: Sequence[int]) -> list[int]:
    seen: set[int] = set()
    stack = list(outputs)
    while stack:
        idx = stack.pop()
        if idx in seen:
            continue
        seen.add(idx)
        stack.extend(src for src, _ in graph.nodes[idx].inputs)
    return sorted(seen)  # symbol files are topologically ordered


def _resolve_output(graph: SymbolGraph, output: str | None) -> tuple[int, int]:
    if output is None:
        idx = graph.find(DEFAULT_OUTPUT_NAME)
        if idx is not None:
            return idx, 0
        if len(graph.heads) != 1:
            raise MXNetConversionError(
                f"{graph.source}: no node {DEFAULT_OUTPUT_NAME!r} and {len(graph.heads)} "
                "heads; name the output to export"
            )
        return graph.heads[0]
    idx = graph.find(output)
    if idx is None:
        raise MXNetConversionError(f"{graph.source}: no node named {output!r} to export")
    return idx, 0


def build_onnx(
    graph: SymbolGraph,
    params: MXNetParams,
    input_shape: Sequence[int | None] = (None, 3, 112, 112),
    input_name: str = DEFAULT_INPUT_NAME,
    output: str | None = None,
    doc_string: str = "",
    metadata: dict[str, str] | None = None,
    prelu_mode: str = "native",
) -> onnx.ModelProto:
    """Convert the part of ``graph`` that computes ``output`` (default ``fc1``).

    ``input_shape`` is NCHW; ``None`` marks a dynamic dimension (the batch, by default).
    ``prelu_mode``: ``"native"`` writes ONNX ``PRelu`` (as buffalo_l's models do);
    ``"relu"`` writes the equivalent ``relu(x) - slope * relu(-x)`` (faster in ONNX Runtime
    on CPU at small batch sizes).
    """
    if prelu_mode not in PRELU_MODES:
        raise ValueError(f"prelu_mode must be one of {PRELU_MODES}, not {prelu_mode!r}")
    input_idx = graph.find(input_name)
    if input_idx is None or not graph.nodes[input_idx].is_variable:
        raise MXNetConversionError(f"{graph.source}: no input variable named {input_name!r}")
    out_idx, out_slot = _resolve_output(graph, output)
    builder = _Builder(graph, params, input_name, len(input_shape), prelu_mode)
    for idx in _needed_nodes(graph, [out_idx]):
        node = graph.nodes[idx]
        if node.is_variable:
            continue  # materialised on first use by the consuming op
        convert = CONVERTERS.get(node.op)
        if convert is None:
            raise MXNetConversionError(
                f"{graph.source}: {node.describe()}: unsupported MXNet op {node.op!r} "
                f"(supported: {', '.join(supported_ops())})"
            )
        builder.values[(idx, 0)] = convert(builder, node, _NodeAttrs(node, graph.source))
    if graph.nodes[out_idx].is_variable or out_slot != 0:
        raise MXNetConversionError(
            f"{graph.source}: output {graph.nodes[out_idx].describe()} slot {out_slot} "
            "is not a computed tensor"
        )
    if not builder.input_used:
        raise MXNetConversionError(
            f"{graph.source}: output {graph.nodes[out_idx].name!r} does not depend on "
            f"input {input_name!r}"
        )
    result = builder.values[(out_idx, 0)]
    dims: list[int | str] = [BATCH_DIM if d is None else int(d) for d in input_shape]
    graph_proto = helper.make_graph(
        builder.nodes,
        "mxnet_" + graph.nodes[out_idx].name,
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info(result.name, TensorProto.FLOAT, None)],
        initializer=list(builder.initializers.values()),
    )
    model = helper.make_model(
        graph_proto,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="colourfr.recognition.mxnet",
        doc_string=doc_string,
    )
    model.ir_version = IR_VERSION
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        onnx.checker.check_model(model)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise MXNetConversionError(
            f"{graph.source}: the converted graph is not valid ONNX: {exc}"
        ) from exc
    # Shape inference adds value_info for every intermediate; keep the output's only.
    del model.graph.value_info[:]
    return model
