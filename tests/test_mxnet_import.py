"""MXNet -> ONNX importer: .params format, per-op numerics against NumPy, insightface
routing, and the real MobileFaceNet checked against its independent ncnn conversion."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from colourfr.cli import main as cli_main
from colourfr.errors import AssetError
from colourfr.recognition.mxnet.convert import build_onnx, supported_ops
from colourfr.recognition.mxnet.params import (
    NDARRAY_V2_MAGIC,
    MXNetParams,
    encode_params,
    load_params,
    parse_params,
    save_params,
)
from colourfr.recognition.mxnet.symbol import MXNetConversionError, parse_symbol
from colourfr.recognition.mxnet_import import import_mxnet_model

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MFN = SHARED / "models" / "mobilefacenet-arcface"
SCRFD = SHARED / "models" / "scrfd" / "scrfd_2.5g_kps.onnx"
LFW = SHARED / "data" / "lfw"
needs_shared = pytest.mark.skipif(
    not (MFN / "model-symbol.json").is_file(), reason="../shared MobileFaceNet not available"
)
rng = np.random.default_rng(20240601)


# ----------------------------------------------------------------------------------
# helpers: a tiny symbol writer, ONNX runner and NumPy references
# ----------------------------------------------------------------------------------


class Sym:
    """Writes MXNet-style symbol JSON (nodes in topological order, string attrs)."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.data = self.var("data")

    def var(self, name: str) -> int:
        self.nodes.append({"op": "null", "name": name, "inputs": []})
        return len(self.nodes) - 1

    def op(self, op: str, name: str, inputs: list[int], **attrs: Any) -> int:
        node: dict[str, Any] = {"op": op, "name": name, "inputs": [[i, 0, 0] for i in inputs]}
        if attrs:
            node["attrs"] = {k: str(v) for k, v in attrs.items()}
        self.nodes.append(node)
        return len(self.nodes) - 1

    def json(self, head: int | None = None) -> str:
        head = len(self.nodes) - 1 if head is None else head
        return json.dumps(
            {
                "nodes": self.nodes,
                "heads": [[head, 0, 0]],
                "attrs": {"mxnet_version": ["int", 10300]},
            }
        )


def convert(
    sym: Sym,
    arg: dict[str, np.ndarray],
    aux: dict[str, np.ndarray] | None = None,
    shape: tuple[int | None, ...] = (None, 3, 8, 8),
    output: str | None = None,
    prelu_mode: str = "native",
) -> onnx.ModelProto:
    params = parse_params(encode_params(arg, aux or {}))
    return build_onnx(
        parse_symbol(sym.json(), "test-symbol.json"),
        params,
        shape,
        output=output,
        prelu_mode=prelu_mode,
    )


def run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"data": x.astype(np.float32)})[0]


def f32(*shape: int, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def conv_ref(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    stride: tuple[int, int],
    pad: tuple[int, int],
    dilate: tuple[int, int],
    groups: int,
) -> np.ndarray:
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad[0],) * 2, (pad[1],) * 2))
    ho = (h + 2 * pad[0] - dilate[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + 2 * pad[1] - dilate[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, ho, wo))
    og = o // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dilate[0], j * dilate[1]
                patch = xp[
                    :,
                    g * cg : (g + 1) * cg,
                    r0 : r0 + stride[0] * (ho - 1) + 1 : stride[0],
                    c0 : c0 + stride[1] * (wo - 1) + 1 : stride[1],
                ]
                out[:, g * og : (g + 1) * og] += np.einsum(
                    "nchw,oc->nohw", patch, w[g * og : (g + 1) * og, :, i, j]
                )
    if b is not None:
        out += b[None, :, None, None]
    return out


def bn_ref(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    eps: float,
) -> np.ndarray:
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(
        shape
    ) + beta.reshape(shape)


def pool_ref(x: np.ndarray, kind: str, k: int, s: int, p: int, ceil: bool = False) -> np.ndarray:
    n, c, h, _ = x.shape
    span = h + 2 * p - k
    ho = (math.ceil(span / s) if ceil else span // s) + 1
    extra = max(0, (ho - 1) * s + k - (h + 2 * p))
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(
        x.astype(np.float64), ((0, 0), (0, 0), (p, p + extra), (p, p + extra)), constant_values=fill
    )
    out = np.empty((n, c, ho, ho))
    for i in range(ho):
        for j in range(ho):
            win = xp[:, :, i * s : i * s + k, j * s : j * s + k]
            out[:, :, i, j] = win.max(axis=(2, 3)) if kind == "max" else win.mean(axis=(2, 3))
    return out


def close(actual: np.ndarray, expected: np.ndarray, tol: float = 1e-4) -> None:
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


# ----------------------------------------------------------------------------------
# .params format
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [0, 1, 2])
def test_params_round_trip_every_record_version(version: int) -> None:
    arg = {
        "w": f32(4, 3, 3, 3),
        "h": np.arange(6, dtype=np.float16).reshape(2, 3),
        "d": np.array([1.5, -2.0]),
        "i": np.array([[7, -8]], dtype=np.int32),
        "u": np.array([255, 0, 3], dtype=np.uint8),
    }
    aux = {"bn_moving_var": np.array([0.5, 2.0], dtype=np.float32)}
    loaded = parse_params(encode_params(arg, aux, version=version))
    assert set(loaded.arg) == set(arg) and set(loaded.aux) == set(aux)
    for name, array in {**arg, **aux}.items():
        got = loaded.get(name)
        assert got is not None and got.dtype == array.dtype and got.shape == array.shape
        np.testing.assert_array_equal(got, array)


def test_params_header_layout_matches_mxnet() -> None:
    raw = encode_params({"b": np.array([1.0, 2.0], dtype=np.float32)})
    magic, reserved, count = struct.unpack_from("<QQQ", raw, 0)
    nd_magic, stype, ndim, dim0, dev_type, dev_id, flag = struct.unpack_from("<IiiqiiI", raw, 24)
    assert (magic, reserved, count) == (0x112, 0, 1)
    assert (nd_magic, stype, ndim, dim0, flag) == (NDARRAY_V2_MAGIC, 0, 1, 2, 0)
    assert (dev_type, dev_id) == (1, 0)  # cpu(0)
    assert raw.endswith(struct.pack("<Q", 5) + b"arg:b")


def test_params_empty_array_record_is_skipped() -> None:
    # MXNet writes an uninitialised NDArray as magic, stype, ndim=0 and nothing else.
    body = struct.pack("<Iii", NDARRAY_V2_MAGIC, 0, 0)
    raw = struct.pack("<QQQ", 0x112, 0, 1) + body + struct.pack("<Q", 1)
    raw += struct.pack("<Q", 5) + b"arg:e"
    assert parse_params(raw) == MXNetParams(arg={}, aux={})


def _bad_file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "broken.params"
    path.write_bytes(data)
    return path


def test_params_wrong_magic_names_file(tmp_path: Path) -> None:
    path = _bad_file(tmp_path, b"\x00" * 64)
    with pytest.raises(AssetError, match=r"broken\.params.*wrong magic"):
        load_params(path)


@pytest.mark.parametrize("cut", [3, 20, 30, 60, -3])
def test_params_truncation_is_reported(tmp_path: Path, cut: int) -> None:
    raw = encode_params({"w": f32(2, 3)}, {"m": f32(3)})
    path = _bad_file(tmp_path, raw[:cut])
    with pytest.raises(AssetError, match=r"broken\.params.*truncated"):
        load_params(path)


def test_params_unknown_dtype_and_sparse_and_trailing_bytes(tmp_path: Path) -> None:
    raw = bytearray(encode_params({"w": np.zeros(2, dtype=np.float32)}))
    flag_at = 24 + 4 + 4 + 4 + 8 + 8  # list header, magic, stype, ndim, dim, context
    raw[flag_at : flag_at + 4] = struct.pack("<i", 99)
    with pytest.raises(AssetError, match="unknown dtype flag 99"):
        load_params(_bad_file(tmp_path, bytes(raw)))
    raw = bytearray(encode_params({"w": np.zeros(2, dtype=np.float32)}))
    raw[28:32] = struct.pack("<i", 2)
    with pytest.raises(AssetError, match="csr storage"):
        load_params(_bad_file(tmp_path, bytes(raw)))
    with pytest.raises(AssetError, match="unexpected bytes"):
        load_params(_bad_file(tmp_path, encode_params({"w": f32(2)}) + b"\x00"))
    with pytest.raises(AssetError, match="cannot read"):
        load_params(tmp_path / "missing.params")


@needs_shared
def test_real_params_match_symbol_variables() -> None:
    params = load_params(MFN / "model-0000.params")
    graph = json.loads((MFN / "model-symbol.json").read_text())
    variables = {n["name"] for n in graph["nodes"] if n["op"] == "null"} - {"data"}
    assert variables == set(params.arg) | set(params.aux)
    assert all(name.endswith(("moving_mean", "moving_var")) for name in params.aux)
    assert params.arg["conv_1_conv2d_weight"].shape == (64, 3, 3, 3)


# ----------------------------------------------------------------------------------
# ops against NumPy
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "cin", "cout", "stride", "pad", "dilate", "no_bias"),
    [
        (1, 3, 4, (1, 1), (1, 1), (1, 1), False),
        (1, 3, 5, (2, 2), (1, 0), (1, 1), True),
        (2, 4, 6, (1, 1), (0, 0), (2, 2), False),  # grouped, dilated
        (4, 4, 4, (2, 2), (1, 1), (1, 1), True),
    ],  # depthwise, as in MobileFaceNet
)
def test_convolution(
    groups: int,
    cin: int,
    cout: int,
    stride: tuple[int, int],
    pad: tuple[int, int],
    dilate: tuple[int, int],
    no_bias: bool,
) -> None:
    s = Sym()
    w, b = s.var("c_weight"), s.var("c_bias")
    attrs = {
        "kernel": (3, 3),
        "num_filter": cout,
        "num_group": groups,
        "stride": stride,
        "pad": pad,
        "dilate": dilate,
        "no_bias": no_bias,
    }
    s.op("Convolution", "c", [s.data, w] if no_bias else [s.data, w, b], **attrs)
    weight, bias = f32(cout, cin // groups, 3, 3), f32(cout)
    x = f32(2, cin, 9, 9)
    model = convert(s, {"c_weight": weight, "c_bias": bias}, shape=(None, cin, 9, 9))
    close(
        run(model, x), conv_ref(x, weight, None if no_bias else bias, stride, pad, dilate, groups)
    )


@pytest.mark.parametrize(
    ("fix_gamma", "eps"), [(True, None), (False, None), (False, 2e-5), (True, 2e-5)]
)
def test_batchnorm_fix_gamma_and_eps(fix_gamma: bool, eps: float | None) -> None:
    s = Sym()
    ins = [s.data] + [s.var(f"bn_{p}") for p in ("gamma", "beta", "moving_mean", "moving_var")]
    attrs: dict[str, Any] = {"fix_gamma": fix_gamma, "momentum": 0.9, "use_global_stats": True}
    if eps is not None:
        attrs["eps"] = eps
    s.op("BatchNorm", "bn", ins, **attrs)
    gamma, beta, mean = f32(3) + 3.0, f32(3), f32(3)
    var = np.array([1e-3, 0.5, 4.0], dtype=np.float32)  # small var: a wrong eps shows
    model = convert(
        s, {"bn_gamma": gamma, "bn_beta": beta}, {"bn_moving_mean": mean, "bn_moving_var": var}
    )
    x = f32(2, 3, 8, 8)
    expected_gamma = np.ones(3) if fix_gamma else gamma
    expected_eps = 1e-3 if eps is None else eps  # MXNet's BatchNorm default eps
    close(run(model, x), bn_ref(x, expected_gamma, beta, mean, var, expected_eps))


def _dense_then(op: str, name: str, extra_vars: list[str], **attrs: Any) -> Sym:
    """data (N,3,8,8) -> FullyConnected(5) -> op: exercises rank-2 inputs."""
    s = Sym()
    fc = s.op("FullyConnected", "fc", [s.data, s.var("fc_weight"), s.var("fc_bias")], num_hidden=5)
    s.op(op, name, [fc] + [s.var(v) for v in extra_vars], **attrs)
    return s


@pytest.mark.parametrize("mode", ["native", "relu"])
def test_prelu_rank4_and_rank2(mode: str) -> None:
    s = Sym()
    s.op("LeakyReLU", "relu", [s.data, s.var("relu_gamma")], act_type="prelu")
    slope = np.array([0.1, 0.5, -0.3], dtype=np.float32)
    x = f32(2, 3, 8, 8)
    model = convert(s, {"relu_gamma": slope}, prelu_mode=mode)
    assert ("PRelu" in {n.op_type for n in model.graph.node}) == (mode == "native")
    close(run(model, x), np.where(x > 0, x, x * slope[None, :, None, None]))

    s2 = _dense_then("LeakyReLU", "relu", ["relu_gamma"], act_type="prelu")
    w, b, slope5 = f32(5, 192), f32(5), f32(5)
    hidden = x.reshape(2, -1) @ w.T + b
    model = convert(s2, {"fc_weight": w, "fc_bias": b, "relu_gamma": slope5}, prelu_mode=mode)
    close(run(model, x), np.where(hidden > 0, hidden, hidden * slope5))
    with pytest.raises(ValueError, match="prelu_mode"):
        convert(s, {"relu_gamma": slope}, prelu_mode="fast")


@pytest.mark.parametrize(
    ("op", "attrs", "reference"),
    [
        ("LeakyReLU", {"act_type": "leaky", "slope": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
        ("LeakyReLU", {"act_type": "leaky"}, lambda x: np.where(x > 0, x, 0.25 * x)),
        (
            "LeakyReLU",
            {"act_type": "elu", "slope": 0.7},
            lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)),
        ),
        ("Activation", {"act_type": "relu"}, lambda x: np.maximum(x, 0)),
        ("Activation", {"act_type": "sigmoid"}, lambda x: 1 / (1 + np.exp(-x))),
        ("Activation", {"act_type": "tanh"}, np.tanh),
        ("Activation", {"act_type": "softrelu"}, lambda x: np.log1p(np.exp(x))),
        ("_plus_scalar", {"scalar": 1.5}, lambda x: x + 1.5),
        ("_minus_scalar", {"scalar": 127.5}, lambda x: x - 127.5),
        ("_rminus_scalar", {"scalar": 2.0}, lambda x: 2.0 - x),
        ("_mul_scalar", {"scalar": 0.0078125}, lambda x: x * 0.0078125),
        ("_div_scalar", {"scalar": 4.0}, lambda x: x / 4.0),
        ("Dropout", {"p": 0.4}, lambda x: x),
        ("Flatten", {}, lambda x: x.reshape(len(x), -1)),
        (
            "L2Normalization",
            {},
            lambda x: x / np.sqrt((x.reshape(len(x), -1) ** 2).sum(1) + 1e-10)[:, None, None, None],
        ),
        ("Reshape", {"shape": (0, -1, 4)}, lambda x: x.reshape(len(x), -1, 4)),
        ("transpose", {"axes": (0, 2, 3, 1)}, lambda x: x.transpose(0, 2, 3, 1)),
    ],
)
def test_elementwise_and_structural_ops(op: str, attrs: dict[str, Any], reference: Any) -> None:
    s = Sym()
    s.op(op, "y", [s.data], **attrs)
    x = f32(2, 3, 8, 8, scale=3.0)
    close(run(convert(s, {}), x), reference(x.astype(np.float64)))


@pytest.mark.parametrize(
    "op", ["elemwise_add", "elemwise_sub", "elemwise_mul", "broadcast_mul", "broadcast_add"]
)
def test_binary_ops_with_computed_and_parameter_operands(op: str) -> None:
    s = Sym()
    scaled = s.op("_mul_scalar", "scaled", [s.data], scalar=2.0)
    s.op(op, "y", [scaled, s.data])
    x = f32(2, 3, 8, 8)
    numpy_op = {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op.split("_")[1]]
    close(run(convert(s, {}), x), numpy_op(2 * x, x))
    # A learned (1,C,1,1) tensor broadcast against the activations.
    s2 = Sym()
    s2.op(op if op.startswith("broadcast") else "broadcast_mul", "y", [s2.data, s2.var("k")])
    k = f32(1, 3, 1, 1)
    expected = (np.add if op == "broadcast_add" else np.multiply)(x, k)
    close(run(convert(s2, {"k": k}), x), expected)


@pytest.mark.parametrize(("flatten", "no_bias"), [(True, False), (True, True), (False, False)])
def test_fully_connected_flatten_semantics(flatten: bool, no_bias: bool) -> None:
    s = Sym()
    ins = [s.data, s.var("fc_weight")] + ([] if no_bias else [s.var("fc_bias")])
    s.op("FullyConnected", "fc", ins, num_hidden=6, flatten=flatten, no_bias=no_bias)
    in_features = 3 * 8 * 8 if flatten else 8
    w, b = f32(6, in_features), f32(6)
    x = f32(2, 3, 8, 8)
    if flatten:
        expected = x.reshape(2, -1) @ w.T + (0 if no_bias else b)
    else:  # applied to the last axis, leading axes kept
        expected = x @ w.T + b
    close(run(convert(s, {"fc_weight": w, "fc_bias": b}), x), expected, tol=1e-3)


@pytest.mark.parametrize(
    ("kind", "kernel", "stride", "pad", "convention"),
    [
        ("max", 3, 2, 1, "valid"),
        ("avg", 2, 2, 0, "valid"),
        ("avg", 3, 1, 1, "valid"),
        ("max", 3, 2, 0, "full"),
    ],
)
def test_pooling(kind: str, kernel: int, stride: int, pad: int, convention: str) -> None:
    s = Sym()
    s.op(
        "Pooling",
        "pool",
        [s.data],
        pool_type=kind,
        kernel=(kernel, kernel),
        stride=(stride, stride),
        pad=(pad, pad),
        pooling_convention=convention,
    )
    x = f32(2, 3, 8, 8)
    close(run(convert(s, {}), x), pool_ref(x, kind, kernel, stride, pad, convention == "full"))


def test_global_pooling_and_softmax_head_and_concat() -> None:
    s = Sym()
    gap = s.op("Pooling", "gap", [s.data], pool_type="avg", kernel=(7, 7), global_pool=True)
    flat = s.op("Flatten", "flat", [gap])
    both = s.op("Concat", "cat", [flat, flat], dim=1, num_args=2)
    s.op("SoftmaxOutput", "softmax", [both, s.var("softmax_label")])
    x = f32(2, 3, 8, 8)
    pooled = x.mean(axis=(2, 3))
    logits = np.concatenate([pooled, pooled], axis=1)
    expected = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    close(run(convert(s, {}), x), expected)


def test_training_head_is_pruned_when_exporting_fc1() -> None:
    """A zoo symbol saved with its ArcFace head still converts to the embedding network."""
    s = Sym()
    fc1 = s.op(
        "FullyConnected", "fc1", [s.data, s.var("fc1_weight"), s.var("fc1_bias")], num_hidden=4
    )
    fc7 = s.op("FullyConnected", "fc7", [fc1, s.var("fc7_weight")], num_hidden=10, no_bias=True)
    s.op("SoftmaxOutput", "softmax", [fc7, s.var("softmax_label")])
    w, b = f32(4, 192), f32(4)
    model = convert(s, {"fc1_weight": w, "fc1_bias": b})  # fc7_weight absent: not needed
    assert [o.name for o in model.graph.output] == ["fc1"]
    assert all(n.name != "fc7" for n in model.graph.node)
    x = f32(1, 3, 8, 8)
    close(run(model, x), x.reshape(1, -1) @ w.T + b, tol=1e-3)
    with pytest.raises(MXNetConversionError, match="'fc7_weight'.*not in the .params"):
        convert(s, {"fc1_weight": w, "fc1_bias": b}, output="softmax")


def test_unsupported_op_and_attribute_are_named() -> None:
    s = Sym()
    s.op("Deconvolution", "up0", [s.data, s.var("up0_weight")], kernel=(2, 2), num_filter=3)
    with pytest.raises(MXNetConversionError, match=r"'up0' \(op Deconvolution\).*unsupported"):
        convert(s, {"up0_weight": f32(3, 3, 2, 2)})
    s = Sym()
    s.op("LeakyReLU", "act", [s.data], act_type="gelu")
    with pytest.raises(MXNetConversionError, match=r"'act'.*act_type=gelu"):
        convert(s, {})
    s = Sym()
    s.op("Convolution", "c", [s.data, s.var("c_weight")], kernel="(3, x)", num_filter=2)
    with pytest.raises(MXNetConversionError, match=r"'c'.*kernel="):
        convert(s, {"c_weight": f32(2, 3, 3, 3)})
    s = Sym()
    s.op("Convolution", "c", [s.data, s.var("c_weight")], kernel=(3, 3), num_filter=2)
    with pytest.raises(MXNetConversionError, match=r"'c'.*has 2 inputs, needs at least 3"):
        convert(s, {"c_weight": f32(2, 3, 3, 3)})  # no_bias=False but no bias input
    assert {
        "Convolution",
        "BatchNorm",
        "LeakyReLU",
        "FullyConnected",
        "_minus_scalar",
        "_mul_scalar",
        "elemwise_add",
        "Pooling",
        "SoftmaxOutput",
    } <= set(supported_ops())


def test_legacy_symbol_format_with_param_key_and_two_element_inputs() -> None:
    doc = {
        "nodes": [
            {"op": "null", "name": "data", "inputs": []},
            {"op": "_mul_scalar", "name": "m", "param": {"scalar": "3"}, "inputs": [[0, 0]]},
        ],
        "heads": [[1, 0]],
    }
    graph = parse_symbol(json.dumps(doc))
    x = f32(1, 3, 8, 8)
    close(run(build_onnx(graph, MXNetParams({}, {}), (None, 3, 8, 8)), x), 3 * x)


def numpy_forward(
    symbol: dict[str, Any], params: MXNetParams, x: np.ndarray, output: str = "fc1"
) -> np.ndarray:
    """Straightforward NumPy interpreter of an MXNet symbol (the ops ResNet-IR/MobileFaceNet
    use), written from MXNet's operator definitions, independent of the converter."""
    nodes = symbol["nodes"]
    values: dict[int, np.ndarray] = {}

    def attr(node: dict[str, Any], key: str, default: str) -> str:
        return str(node.get("attrs", {}).get(key, default))

    def pair(node: dict[str, Any], key: str, default: int) -> tuple[int, int]:
        text = attr(node, key, "")
        return (
            tuple(json.loads(text.replace("(", "[").replace(")", "]")))
            if text
            else (default, default)
        )  # type: ignore[return-value]

    for idx, node in enumerate(nodes):
        op, name = node["op"], node["name"]
        ins = [
            values.get(i)
            if nodes[i]["op"] != "null" or nodes[i]["name"] == "data"
            else params.get(nodes[i]["name"])
            for i, *_ in node["inputs"]
        ]
        if op == "null":
            if name == "data":
                values[idx] = x.astype(np.float64)
            continue
        if op in ("_copy", "Dropout"):
            y = ins[0]
        elif op == "_minus_scalar":
            y = ins[0] - float(attr(node, "scalar", "0"))
        elif op == "_mul_scalar":
            y = ins[0] * float(attr(node, "scalar", "1"))
        elif op == "elemwise_add":
            y = ins[0] + ins[1]
        elif op == "Convolution":
            bias = None if attr(node, "no_bias", "False") == "True" else ins[2]
            y = conv_ref(
                ins[0],
                ins[1],
                bias,
                pair(node, "stride", 1),
                pair(node, "pad", 0),
                pair(node, "dilate", 1),
                int(attr(node, "num_group", "1")),
            )
        elif op == "BatchNorm":
            gamma = ins[1] if attr(node, "fix_gamma", "True") == "False" else np.ones_like(ins[1])
            y = bn_ref(ins[0], gamma, ins[2], ins[3], ins[4], float(attr(node, "eps", "0.001")))
        elif op == "LeakyReLU":
            slope = ins[1].reshape((1, -1) + (1,) * (ins[0].ndim - 2))
            y = np.where(ins[0] > 0, ins[0], ins[0] * slope)
        elif op == "FullyConnected":
            y = ins[0].reshape(len(ins[0]), -1) @ ins[1].T.astype(np.float64) + ins[2]
        else:
            raise NotImplementedError(op)
        values[idx] = y
        if name == output:
            return y
    raise KeyError(output)


def _resnet_ir_symbol() -> tuple[Sym, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A scaled-down LResNet-IR ('fresnet' unit v3, output E) with its training head."""
    s = Sym()
    arg: dict[str, np.ndarray] = {}
    aux: dict[str, np.ndarray] = {}

    def conv(x: int, name: str, cin: int, cout: int, k: int, stride: int) -> int:
        arg[f"{name}_weight"] = f32(cout, cin, k, k, scale=0.3)
        return s.op(
            "Convolution",
            name,
            [x, s.var(f"{name}_weight")],
            kernel=(k, k),
            stride=(stride, stride),
            pad=(k // 2, k // 2),
            num_filter=cout,
            no_bias=True,
            workspace=256,
        )

    def bn(x: int, name: str, c: int, fix_gamma: bool = False) -> int:
        arg[f"{name}_gamma"], arg[f"{name}_beta"] = f32(c) + 1.5, f32(c)
        aux[f"{name}_moving_mean"] = f32(c)
        aux[f"{name}_moving_var"] = rng.uniform(0.5, 2.0, c).astype(np.float32)
        vars_ = [s.var(f"{name}_{p}") for p in ("gamma", "beta", "moving_mean", "moving_var")]
        return s.op("BatchNorm", name, [x, *vars_], fix_gamma=fix_gamma, eps=2e-5, momentum=0.9)

    def prelu(x: int, name: str, c: int) -> int:
        arg[f"{name}_gamma"] = rng.uniform(0.0, 0.5, c).astype(np.float32)
        return s.op("LeakyReLU", name, [x, s.var(f"{name}_gamma")], act_type="prelu")

    x = s.op("_copy", "id", [s.data])
    x = s.op("_minus_scalar", "_minusscalar0", [x], scalar=127.5)
    x = s.op("_mul_scalar", "_mulscalar0", [x], scalar=0.0078125)
    x = prelu(bn(conv(x, "conv0", 3, 4, 3, 2), "bn0", 4), "relu0", 4)
    r = bn(x, "stage1_unit1_bn1", 4)
    r = prelu(
        bn(conv(r, "stage1_unit1_conv1", 4, 8, 3, 1), "stage1_unit1_bn2", 8),
        "stage1_unit1_relu1",
        8,
    )
    r = bn(conv(r, "stage1_unit1_conv2", 8, 8, 3, 2), "stage1_unit1_bn3", 8)
    sc = bn(conv(x, "stage1_unit1_conv1sc", 4, 8, 1, 2), "stage1_unit1_sc", 8)
    x = s.op("elemwise_add", "_plus0", [r, sc])
    x = s.op("Dropout", "dropout0", [bn(x, "bn1", 8)], p=0.4)
    arg["pre_fc1_weight"], arg["pre_fc1_bias"] = f32(16, 8 * 28 * 28, scale=0.02), f32(16)
    x = s.op(
        "FullyConnected",
        "pre_fc1",
        [x, s.var("pre_fc1_weight"), s.var("pre_fc1_bias")],
        num_hidden=16,
    )
    fc1 = bn(x, "fc1", 16, fix_gamma=True)  # gamma stored != 1 must be ignored
    fc7 = s.op("FullyConnected", "fc7", [fc1, s.var("fc7_weight")], num_hidden=100, no_bias=True)
    s.op("SoftmaxOutput", "softmax", [fc7, s.var("softmax_label")], normalization="valid")
    return s, arg, aux


def test_resnet_ir_like_network_matches_numpy_interpreter(tmp_path: Path) -> None:
    s, arg, aux = _resnet_ir_symbol()
    symbol, params = tmp_path / "model-symbol.json", tmp_path / "model-0000.params"
    symbol.write_text(s.json())
    save_params(params, arg, aux)
    out = tmp_path / "r.onnx"
    import_mxnet_model(symbol, params, out)
    model = onnx.load(str(out))
    assert [n.name for n in model.graph.node[:3]] == ["id", "_minusscalar0", "_mulscalar0"]
    x = rng.uniform(0, 255, (2, 3, 112, 112)).astype(np.float32)
    expected = numpy_forward(json.loads(s.json()), load_params(params), x)
    close(run(model, x), expected, tol=1e-3)
    model_zoo = pytest.importorskip("insightface.model_zoo")
    rec = model_zoo.get_model(str(out), providers=["CPUExecutionProvider"])
    assert type(rec).__name__ == "ArcFaceONNX" and rec.input_mean == 0.0


@needs_shared
def test_real_model_matches_numpy_interpreter(mobilefacenet_onnx: Path) -> None:
    symbol = json.loads((MFN / "model-symbol.json").read_text())
    x = rng.uniform(0, 255, (1, 3, 112, 112)).astype(np.float32)
    expected = numpy_forward(symbol, load_params(MFN / "model-0000.params"), x)
    session = ort.InferenceSession(str(mobilefacenet_onnx), providers=["CPUExecutionProvider"])
    close(session.run(None, {"data": x})[0], expected, tol=1e-3)


# ----------------------------------------------------------------------------------
# files, CLI and insightface routing on a tiny 112x112 model
# ----------------------------------------------------------------------------------


def _tiny_recogniser(tmp_path: Path, normalise: bool) -> tuple[Path, Path]:
    s = Sym()
    x = s.data
    if normalise:
        x = s.op("_minus_scalar", "_minusscalar0", [x], scalar=127.5)
        x = s.op("_mul_scalar", "_mulscalar0", [x], scalar=0.0078125)
    c = s.op(
        "Convolution",
        "conv0",
        [x, s.var("conv0_weight")],
        kernel=(4, 4),
        stride=(4, 4),
        num_filter=4,
        no_bias=True,
    )
    g = s.op("Pooling", "pool0", [c], pool_type="avg", kernel=(7, 7), global_pool=True)
    s.op("FullyConnected", "fc1", [g, s.var("fc1_weight"), s.var("fc1_bias")], num_hidden=8)
    symbol, params = tmp_path / "tiny-symbol.json", tmp_path / "tiny-0000.params"
    symbol.write_text(s.json())
    save_params(
        params, {"conv0_weight": f32(4, 3, 4, 4), "fc1_weight": f32(8, 4), "fc1_bias": f32(8)}
    )
    return symbol, params


@pytest.mark.parametrize(("normalise", "mean", "std"), [(True, 0.0, 1.0), (False, 127.5, 127.5)])
def test_insightface_routes_converted_model_as_arcface(
    tmp_path: Path, normalise: bool, mean: float, std: float
) -> None:
    model_zoo = pytest.importorskip("insightface.model_zoo")
    symbol, params = _tiny_recogniser(tmp_path, normalise)
    out = tmp_path / "tiny.onnx"
    import_mxnet_model(symbol, params, out)
    model = model_zoo.get_model(str(out), providers=["CPUExecutionProvider"])
    assert type(model).__name__ == "ArcFaceONNX"
    assert (model.input_mean, model.input_std) == (mean, std)
    assert model.input_size == (112, 112)
    faces = rng.integers(0, 256, (3, 112, 112, 3), dtype=np.uint8)
    batch = model.get_feat(list(faces))
    assert batch.shape == (3, 8)  # dynamic batch
    close(batch[1], model.get_feat(faces[1])[0])


def test_cli_writes_reproducible_file_and_prints_sha256(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    symbol, params = _tiny_recogniser(tmp_path, True)
    first, second = tmp_path / "a" / "m.onnx", tmp_path / "b.onnx"
    argv = ["models", "import-mxnet", str(symbol), str(params)]
    assert cli_main([*argv, str(first)]) == 0
    printed = capsys.readouterr().out
    assert cli_main([*argv, str(second), "--input-shape", "3x112x112"]) == 0
    digest = __import__("hashlib").sha256(first.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in printed
    assert first.read_bytes() == second.read_bytes()
    meta = {p.key: p.value for p in onnx.load(str(first)).metadata_props}
    assert (
        meta["source_params_sha256"]
        == __import__("hashlib").sha256(params.read_bytes()).hexdigest()
    )


def test_input_shape_option_parsing() -> None:
    from colourfr.commands.models import parse_input_shape
    from colourfr.errors import ConfigError

    assert parse_input_shape("3,112,112") == (None, 3, 112, 112)
    assert parse_input_shape("1x3x112x112") == (1, 3, 112, 112)
    assert parse_input_shape("?,3,96,96") == (None, 3, 96, 96)
    for bad in ("112,112", "3,-1,112", "a,b,c", "1,2,3,4,5"):
        with pytest.raises(ConfigError, match="--input-shape"):
            parse_input_shape(bad)


def test_fixed_batch_input_shape(tmp_path: Path) -> None:
    symbol, params = _tiny_recogniser(tmp_path, True)
    out = tmp_path / "fixed.onnx"
    import_mxnet_model(symbol, params, out, input_shape=(4, 3, 112, 112))
    dims = onnx.load(str(out)).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [4, 3, 112, 112]


def test_cli_failure_leaves_no_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    symbol, params = _tiny_recogniser(tmp_path, True)
    params.write_bytes(params.read_bytes()[:-10])
    out = tmp_path / "m.onnx"
    assert cli_main(["models", "import-mxnet", str(symbol), str(params), str(out)]) == 2
    assert "truncated" in capsys.readouterr().err
    assert list(tmp_path.glob("m.onnx*")) == [] and list(tmp_path.glob(".m.onnx*")) == []
    assert (
        cli_main(
            [
                "models",
                "import-mxnet",
                str(symbol),
                str(params),
                str(out),
                "--input-shape",
                "3,0,112",
            ]
        )
        == 2
    )


# ----------------------------------------------------------------------------------
# the real MobileFaceNet: insightface loading, ncnn equivalence, LFW sanity
# ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mobilefacenet_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (MFN / "model-symbol.json").is_file():
        pytest.skip("../shared MobileFaceNet not available")
    out = tmp_path_factory.mktemp("mfn") / "mobilefacenet.onnx"
    import_mxnet_model(MFN / "model-symbol.json", MFN / "model-0000.params", out)
    return out


@pytest.fixture(scope="module")
def aligned_lfw() -> dict[str, np.ndarray]:
    """Aligned 112x112 BGR faces for the first pairs of LFW pairs.txt (fold 1)."""
    if not (SCRFD.is_file() and (LFW / "pairs.txt").is_file()):
        pytest.skip("../shared SCRFD or LFW not available")
    import cv2
    from insightface.model_zoo import get_model
    from insightface.utils import face_align

    detector = get_model(str(SCRFD), providers=["CPUExecutionProvider"])
    detector.prepare(ctx_id=-1, det_thresh=0.5, input_size=(640, 640))
    lines = (LFW / "pairs.txt").read_text().splitlines()[1:]
    pairs = [ln.split("\t") for ln in lines[:8] + lines[300:308]]  # 8 genuine, 8 impostor
    faces: dict[str, np.ndarray] = {}
    for p in pairs:
        keys = (
            [(p[0], int(p[1])), (p[0], int(p[2]))]
            if len(p) == 3
            else [(p[0], int(p[1])), (p[2], int(p[3]))]
        )
        for name, number in keys:
            key = f"{name}_{number:04d}"
            image = cv2.imread(str(LFW / "images_deepfunneled" / name / f"{key}.jpg"))
            _, kps = detector.detect(image, max_num=1, metric="default")
            assert kps is not None and len(kps), f"no face in {key}"
            faces[key] = face_align.norm_crop(image, kps[0], 112)
    faces["__pairs__"] = np.array(pairs, dtype=object)
    return faces


@needs_shared
def test_real_model_loads_like_w600k(mobilefacenet_onnx: Path) -> None:
    from insightface.model_zoo import get_model

    model = get_model(str(mobilefacenet_onnx), providers=["CPUExecutionProvider"])
    assert type(model).__name__ == "ArcFaceONNX"
    assert (model.input_mean, model.input_std) == (0.0, 1.0)  # the graph normalises itself
    assert model.input_name == "data" and model.output_names == ["fc1"]
    assert model.output_shape[1] == 128


@needs_shared
def test_face_analysis_pack_with_scrfd_and_converted_model(
    mobilefacenet_onnx: Path, tmp_path: Path
) -> None:
    """SCRFD + the converted model in one folder work as an insightface pack (buffalo_l's
    code path): detection and recognition are routed, embeddings separate identities."""
    if not SCRFD.is_file():
        pytest.skip("../shared SCRFD not available")
    import cv2
    from insightface.app import FaceAnalysis

    pack = tmp_path / "models" / "mobilefacenet-scrfd"
    pack.mkdir(parents=True)
    (pack / SCRFD.name).symlink_to(SCRFD)
    (pack / "mobilefacenet.onnx").symlink_to(mobilefacenet_onnx)
    app = FaceAnalysis(name=pack.name, root=str(tmp_path), providers=["CPUExecutionProvider"])
    app.prepare(ctx_id=-1, det_thresh=0.5, det_size=(640, 640))
    assert set(app.models) == {"detection", "recognition"}
    images = LFW / "images_deepfunneled"
    emb = [
        app.get(cv2.imread(str(images / f"{n.rsplit('_', 1)[0]}" / f"{n}.jpg")))[0].normed_embedding
        for n in ("Aaron_Peirsol_0001", "Aaron_Peirsol_0002", "AJ_Cook_0001")
    ]
    assert float(emb[0] @ emb[1]) > float(emb[0] @ emb[2]) + 0.3


@needs_shared
def test_relu_form_of_prelu_gives_the_same_embeddings(
    mobilefacenet_onnx: Path, tmp_path: Path
) -> None:
    relu_form = tmp_path / "relu.onnx"
    import_mxnet_model(
        MFN / "model-symbol.json", MFN / "model-0000.params", relu_form, prelu_mode="relu"
    )
    faces = rng.uniform(0, 255, (2, 3, 112, 112)).astype(np.float32)
    outputs = []
    for path in (mobilefacenet_onnx, relu_form):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        outputs.append(session.run(None, {"data": faces})[0])
    close(outputs[1], outputs[0], tol=1e-4)


@needs_shared
def test_matches_ncnn_on_aligned_lfw(
    mobilefacenet_onnx: Path, aligned_lfw: dict[str, np.ndarray]
) -> None:
    ncnn = pytest.importorskip("ncnn")
    import cv2
    from insightface.model_zoo import get_model

    model = get_model(str(mobilefacenet_onnx), providers=["CPUExecutionProvider"])
    net = ncnn.Net()
    net.opt.num_threads = 1
    net.load_param(str(MFN / "mobilefacenet.param"))
    net.load_model(str(MFN / "mobilefacenet.bin"))
    keys = [k for k in aligned_lfw if not k.startswith("__")]
    assert len(keys) >= 20
    cosines = []
    for key in keys:
        face = aligned_lfw[key]
        ours = model.get_feat(face).ravel()
        # The ncnn copy keeps the MXNet normalisation layers: feed raw RGB 0-255.
        rgb = np.ascontiguousarray(cv2.cvtColor(face, cv2.COLOR_BGR2RGB))
        extractor = net.create_extractor()
        extractor.input("data", ncnn.Mat.from_pixels(rgb, ncnn.Mat.PixelType.PIXEL_RGB, 112, 112))
        _, out = extractor.extract("fc1")
        theirs = np.array(out).ravel()
        cosines.append(float(ours @ theirs / np.linalg.norm(ours) / np.linalg.norm(theirs)))
    assert min(cosines) >= 0.999, cosines


@needs_shared
def test_same_person_scores_higher_than_different_people(
    mobilefacenet_onnx: Path, aligned_lfw: dict[str, np.ndarray]
) -> None:
    from insightface.model_zoo import get_model

    model = get_model(str(mobilefacenet_onnx), providers=["CPUExecutionProvider"])
    genuine, impostor = [], []
    for p in aligned_lfw["__pairs__"]:
        a, b = (
            (f"{p[0]}_{int(p[1]):04d}", f"{p[0]}_{int(p[2]):04d}")
            if len(p) == 3
            else (f"{p[0]}_{int(p[1]):04d}", f"{p[2]}_{int(p[3]):04d}")
        )
        ea, eb = model.get_feat(aligned_lfw[a]).ravel(), model.get_feat(aligned_lfw[b]).ravel()
        sim = float(ea @ eb / np.linalg.norm(ea) / np.linalg.norm(eb))
        (genuine if len(p) == 3 else impostor).append(sim)
    assert len(genuine) == len(impostor) == 8
    assert np.mean(genuine) > np.mean(impostor) + 0.3, (genuine, impostor)
    assert np.median(genuine) > max(impostor), (genuine, impostor)
