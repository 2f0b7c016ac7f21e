"""A frozen TensorFlow graph (GraphDef protobuf) read without TensorFlow.

Only what an inference graph of the LightQNet kind needs: nodes (name, op, inputs) and
their attributes (strings, integers, floats, booleans, data types, shapes, lists, and
constant tensors). The protobuf wire format is decoded directly (field numbers from
TensorFlow's graph.proto, node_def.proto, attr_value.proto, tensor.proto and
tensor_shape.proto), so that converting the graph needs neither TensorFlow nor OpenCV's
TensorFlow importer (which OpenCV 5.1 removed).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from colourfr.errors import AssetError

#: TensorFlow DataType enum -> numpy dtype (the ones constant tensors here use)
DTYPES: dict[int, np.dtype[Any]] = {
    1: np.dtype(np.float32),
    2: np.dtype(np.float64),
    3: np.dtype(np.int32),
    9: np.dtype(np.int64),
}
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


class GraphParseError(AssetError):
    """The file is not a frozen TensorFlow graph this reader understands."""


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise GraphParseError("truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of a message: ints, or bytes for wire type 2."""
    if not isinstance(data, bytes | bytearray | memoryview):
        # Another protobuf (an ONNX model) has a number where a GraphDef has a message.
        raise GraphParseError("not a frozen TensorFlow GraphDef (a field has the wrong type)")
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == _VARINT:
            value, position = _varint(data, position)
        elif wire == _BYTES:
            length, position = _varint(data, position)
            value = data[position : position + length]
            if len(value) != length:
                raise GraphParseError("truncated length-delimited field")
            position += length
        elif wire == _FIXED32:
            value = data[position : position + 4]
            position += 4
        elif wire == _FIXED64:
            value = data[position : position + 8]
            position += 8
        else:
            raise GraphParseError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _packed_varints(value: Any, wire: int) -> list[int]:
    if wire == _VARINT:
        return [_signed(value)]
    out, position = [], 0
    while position < len(value):
        item, position = _varint(value, position)
        out.append(_signed(item))
    return out


def _packed_floats(value: Any, wire: int) -> list[float]:
    # Packed (wire type 2) or one fixed32: both are little-endian float32 bytes.
    return list(struct.unpack(f"<{len(value) // 4}f", value))


def parse_shape(data: bytes) -> list[int]:
    dims = []
    for number, _, value in _fields(data):
        if number == 2:  # dim
            size = 0
            for dim_number, _, dim_value in _fields(value):
                if dim_number == 1:
                    size = _signed(dim_value)
            dims.append(size)
    return dims


def parse_tensor(data: bytes) -> np.ndarray:
    dtype_code, shape, content = 1, [], b""
    floats: list[float] = []
    ints: list[int] = []
    for number, wire, value in _fields(data):
        if number == 1:
            dtype_code = value
        elif number == 2:
            shape = parse_shape(value)
        elif number == 4:
            content = value
        elif number == 5:
            floats += _packed_floats(value, wire)
        elif number in (7, 10):
            ints += _packed_varints(value, wire)
    dtype = DTYPES.get(dtype_code)
    if dtype is None:
        raise GraphParseError(f"constant of TensorFlow data type {dtype_code} is not supported")
    count = int(np.prod(shape)) if shape else 1
    if content:
        array = np.frombuffer(content, dtype=dtype.newbyteorder("<")).astype(dtype)
    else:
        values = floats if dtype.kind == "f" else ints
        array = np.array(values, dtype=dtype)
        if array.size == 1 and count > 1:  # a scalar filled in
            array = np.full(count, array[0], dtype=dtype)
    if array.size != count:
        raise GraphParseError(f"constant holds {array.size} values for shape {shape}")
    return array.reshape(shape)


def _parse_list(data: bytes) -> list[Any]:
    items: list[Any] = []
    for number, wire, value in _fields(data):
        if number == 2:
            items.append(bytes(value))
        elif number in (3, 6):
            items += _packed_varints(value, wire)
        elif number == 4:
            items += _packed_floats(value, wire)
        elif number == 5:
            items += [bool(v) for v in _packed_varints(value, wire)]
    return items


def parse_attr(data: bytes) -> Any:
    for number, wire, value in _fields(data):
        if number == 1:
            return _parse_list(value)
        if number == 2:
            return bytes(value)
        if number == 3:
            return _signed(value)
        if number == 4:
            return struct.unpack("<f", value)[0]
        if number == 5:
            return bool(value)
        if number == 6:
            return ("type", value)
        if number == 7:
            return parse_shape(value)
        if number == 8:
            return parse_tensor(value)
    return None


@dataclass
class Node:
    name: str
    op: str
    inputs: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


def parse_node(data: bytes) -> Node:
    node = Node(name="", op="")
    for number, _, value in _fields(data):
        if number == 1:
            node.name = value.decode()
        elif number == 2:
            node.op = value.decode()
        elif number == 3:
            node.inputs.append(value.decode())
        elif number == 5:
            key, attr = "", None
            for entry_number, _, entry_value in _fields(value):
                if entry_number == 1:
                    key = entry_value.decode()
                elif entry_number == 2:
                    attr = parse_attr(entry_value)
            node.attrs[key] = attr
    return node


def read_graph(data: bytes) -> list[Node]:
    """The nodes of a serialised GraphDef, in file order."""
    try:
        nodes = [parse_node(value) for number, _, value in _fields(data) if number == 1]
    except (UnicodeDecodeError, struct.error, ValueError) as exc:
        raise GraphParseError(f"not a TensorFlow GraphDef ({exc})") from exc
    if not nodes or any(not node.op for node in nodes):
        raise GraphParseError("not a TensorFlow GraphDef (no nodes)")
    return nodes
