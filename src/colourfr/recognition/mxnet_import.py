"""``colourfr models import-mxnet``: legacy InsightFace MXNet model -> ONNX, without MXNet.

The result loads through ``insightface.model_zoo.get_model(path)`` as an ``ArcFaceONNX``,
exactly like buffalo_l's ``w600k_r50.onnx``: NCHW float input ``data`` with a dynamic batch,
one output (``fc1``, the embedding), and, when the MXNet graph starts with
``_minus_scalar``/``_mul_scalar``, node names that make insightface feed raw 0-255 RGB.

The file is reproducible: the same inputs give byte-identical output (and sha256), and the
sha256 of both sources is recorded in the model's ``metadata_props``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import onnx

from colourfr import __version__
from colourfr.assets import sha256_of
from colourfr.recognition.mxnet.convert import (
    DEFAULT_INPUT_NAME,
    build_onnx,
    supported_ops,
)
from colourfr.recognition.mxnet.params import MXNetParams, load_params
from colourfr.recognition.mxnet.symbol import MXNetConversionError, load_symbol

__all__ = [
    "ImportResult",
    "MXNetConversionError",
    "MXNetParams",
    "import_mxnet_model",
    "load_params",
    "supported_ops",
]


@dataclass(frozen=True)
class ImportResult:
    output_path: Path
    sha256: str
    input_name: str
    output_name: str
    input_shape: tuple[int | None, ...]
    node_count: int


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so a crash never leaves half a model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def convert_mxnet_model(
    symbol_path: str | os.PathLike[str],
    params_path: str | os.PathLike[str],
    input_shape: Sequence[int | None] = (None, 3, 112, 112),
    input_name: str = DEFAULT_INPUT_NAME,
    output: str | None = None,
    prelu_mode: str = "native",
) -> onnx.ModelProto:
    """Read both files and return the ONNX model (no file written)."""
    graph = load_symbol(symbol_path)
    params = load_params(params_path)
    metadata = {
        "source_symbol": Path(symbol_path).name,
        "source_symbol_sha256": sha256_of(symbol_path),
        "source_params": Path(params_path).name,
        "source_params_sha256": sha256_of(params_path),
        "converter": f"colourfr {__version__} import-mxnet",
        "prelu_mode": prelu_mode,
    }
    return build_onnx(
        graph,
        params,
        input_shape,
        input_name,
        output,
        doc_string="Converted from MXNet by colourfr import-mxnet",
        metadata=metadata,
        prelu_mode=prelu_mode,
    )


def import_mxnet_model(
    symbol_path: str | os.PathLike[str],
    params_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    input_shape: Sequence[int | None] = (None, 3, 112, 112),
    input_name: str = DEFAULT_INPUT_NAME,
    output: str | None = None,
    prelu_mode: str = "native",
) -> ImportResult:
    """Convert ``symbol_path`` + ``params_path`` and write ``output_path`` atomically."""
    model = convert_mxnet_model(
        symbol_path, params_path, input_shape, input_name, output, prelu_mode
    )
    data = model.SerializeToString(deterministic=True)
    out = Path(output_path)
    write_atomically(out, data)
    return ImportResult(
        output_path=out,
        sha256=sha256_of(out),
        input_name=model.graph.input[0].name,
        output_name=model.graph.output[0].name,
        input_shape=tuple(input_shape),
        node_count=len(model.graph.node),
    )
