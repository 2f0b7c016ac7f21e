"""Reader (and a writer, for tests and fixtures) of MXNet's NDArray ``.params`` files.

The layout, all little-endian, as written by ``NDArray::Save`` in MXNet's
``src/ndarray/ndarray.cc`` (``mx.nd.save`` / ``Module.save_checkpoint``):

list header
    ``uint64 magic = 0x112``, ``uint64 reserved``, ``uint64 count``, then ``count`` arrays,
    then ``uint64 name_count`` and each name as ``uint64 length`` + bytes. Checkpoint names
    carry an ``arg:`` (weights) or ``aux:`` (BatchNorm running statistics) prefix.
one array, V2 (magic ``0xF993FAC9``) or V3 (``0xF993FACA``, NumPy shape semantics)
    ``int32 storage_type`` (0 dense; 1 row-sparse and 2 CSR add a storage shape before the
    shape and aux types/shapes/data around the values), shape as ``uint32 ndim`` +
    ``int64 dims`` (ndim 0 means an empty array and ends the record), context as
    ``int32 dev_type, int32 dev_id``, ``int32 dtype flag``, then the raw values.
one array, V1 (magic ``0xF993FAC8``)
    as V2 without the storage type.
one array, legacy (no magic)
    the first ``uint32`` is ndim, the dims are ``uint32``; then context, dtype, values.

Only dense arrays are read; model checkpoints never contain sparse ones, so a sparse
array is reported rather than half-supported.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from colourfr.errors import AssetError

LIST_MAGIC = 0x112
NDARRAY_V1_MAGIC = 0xF993FAC8
NDARRAY_V2_MAGIC = 0xF993FAC9
NDARRAY_V3_MAGIC = 0xF993FACA

# mshadow type flags (include/mshadow/base.h) -> little-endian NumPy dtypes.
DTYPE_BY_FLAG: dict[int, np.dtype] = {
    0: np.dtype("<f4"),
    1: np.dtype("<f8"),
    2: np.dtype("<f2"),
    3: np.dtype("u1"),
    4: np.dtype("<i4"),
    5: np.dtype("i1"),
    6: np.dtype("<i8"),
    7: np.dtype("?"),
}
FLAG_BY_DTYPE: dict[np.dtype, int] = {dtype: flag for flag, dtype in DTYPE_BY_FLAG.items()}

_DENSE_STORAGE = 0
_STORAGE_NAMES = {1: "row_sparse", 2: "csr"}
# A real checkpoint has a few thousand arrays at most; a huge count means a corrupt header,
# and refusing early avoids trying to allocate it.
_MAX_RECORDS = 10_000_000


@dataclass(frozen=True)
class MXNetParams:
    """The contents of a checkpoint: weights (``arg:``) and auxiliary states (``aux:``)."""

    arg: dict[str, np.ndarray]
    aux: dict[str, np.ndarray]

    def get(self, name: str) -> np.ndarray | None:
        """Look a variable up in either table (symbols do not say which one holds it)."""
        if name in self.arg:
            return self.arg[name]
        return self.aux.get(name)


class _Reader:
    """Cursor over the file's bytes that turns every short read into an AssetError."""

    def __init__(self, data: bytes, path: str) -> None:
        self.data = data
        self.path = path
        self.offset = 0

    def fail(self, message: str) -> AssetError:
        return AssetError(f"{self.path}: not a valid MXNet .params file: {message}")

    def take(self, size: int, what: str) -> bytes:
        end = self.offset + size
        if size < 0 or end > len(self.data):
            raise self.fail(
                f"truncated while reading {what} at byte {self.offset} "
                f"(needs {size} bytes, file has {len(self.data)})"
            )
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[int, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def u32(self, what: str) -> int:
        return self.unpack("I", what)[0]

    def i32(self, what: str) -> int:
        return self.unpack("i", what)[0]

    def u64(self, what: str) -> int:
        return self.unpack("Q", what)[0]


def _read_shape(reader: _Reader, dim_format: str, ndim: int, what: str) -> tuple[int, ...]:
    dims = reader.unpack(dim_format * ndim, what) if ndim else ()
    if any(d < 0 for d in dims):
        raise reader.fail(f"{what} has an unknown (negative) dimension: {dims}")
    return tuple(int(d) for d in dims)


def _read_ndarray(reader: _Reader, index: int) -> np.ndarray | None:
    what = f"array #{index}"
    magic = reader.u32(f"{what} header")
    if magic in (NDARRAY_V2_MAGIC, NDARRAY_V3_MAGIC):
        storage = reader.i32(f"{what} storage type")
        if storage != _DENSE_STORAGE:
            name = _STORAGE_NAMES.get(storage, f"unknown storage type {storage}")
            raise reader.fail(f"{what} uses {name} storage; only dense arrays are supported")
        ndim = reader.i32(f"{what} ndim")
        if ndim < 0:  # V3 writes -1 for an array of unknown shape: nothing follows
            return None
        shape = _read_shape(reader, "q", ndim, f"{what} shape")
    elif magic == NDARRAY_V1_MAGIC:
        ndim = reader.u32(f"{what} ndim")
        shape = _read_shape(reader, "q", ndim, f"{what} shape")
    else:
        # Legacy record: the word just read is ndim itself, dims are uint32.
        ndim = magic
        if ndim > 32:
            raise reader.fail(f"{what} has unknown header 0x{magic:08X}")
        shape = _read_shape(reader, "I", ndim, f"{what} shape")
    if ndim == 0:
        return None  # an empty (uninitialised) NDArray: MXNet stores no context or data
    reader.unpack("ii", f"{what} context")
    flag = reader.i32(f"{what} dtype flag")
    dtype = DTYPE_BY_FLAG.get(flag)
    if dtype is None:
        raise reader.fail(f"{what} has unknown dtype flag {flag}")
    count = int(np.prod(shape, dtype=np.int64))
    raw = reader.take(count * dtype.itemsize, f"{what} data ({count} x {dtype.name})")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def parse_params(data: bytes, path: str = "<bytes>") -> MXNetParams:
    """Decode a ``.params`` byte string; ``path`` only names the source in errors."""
    reader = _Reader(data, path)
    magic = reader.u64("list header")
    if magic != LIST_MAGIC:
        raise reader.fail(f"wrong magic 0x{magic:X} (expected 0x{LIST_MAGIC:X})")
    reader.u64("reserved word")
    count = reader.u64("array count")
    if count > _MAX_RECORDS:
        raise reader.fail(f"implausible array count {count}")
    arrays = [_read_ndarray(reader, i) for i in range(count)]
    name_count = reader.u64("name count")
    if name_count != count:
        raise reader.fail(f"{count} arrays but {name_count} names")
    names = []
    for i in range(name_count):
        length = reader.u64(f"name #{i} length")
        raw = reader.take(length, f"name #{i}")
        try:
            names.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise reader.fail(f"name #{i} is not UTF-8") from exc
    if reader.offset != len(data):
        raise reader.fail(f"{len(data) - reader.offset} unexpected bytes after the names")

    arg: dict[str, np.ndarray] = {}
    aux: dict[str, np.ndarray] = {}
    for name, array in zip(names, arrays, strict=True):
        if array is None:
            continue
        prefix, sep, bare = name.partition(":")
        if sep and prefix == "aux":
            aux[bare] = array
        elif sep and prefix == "arg":
            arg[bare] = array
        else:
            # mx.nd.save of a plain dict: no prefix. Treat it as a weight.
            arg[name] = array
    return MXNetParams(arg=arg, aux=aux)


def load_params(path: str | os.PathLike[str]) -> MXNetParams:
    """Read an MXNet checkpoint ``.params`` file; AssetError naming the file if malformed."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AssetError(f"{path}: cannot read MXNet .params file: {exc.strerror}") from exc
    return parse_params(data, str(path))


def _encode_ndarray(array: np.ndarray, version: int) -> bytes:
    array = np.ascontiguousarray(array)
    flag = FLAG_BY_DTYPE.get(array.dtype.newbyteorder("<"))
    if flag is None:
        raise ValueError(f"dtype {array.dtype} has no MXNet type flag")
    if array.ndim == 0:
        raise ValueError("MXNet cannot store 0-d arrays (ndim 0 means 'empty')")
    context = struct.pack("<ii", 1, 0)  # cpu(0)
    values = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
    if version == 2:
        header = struct.pack("<Iii", NDARRAY_V2_MAGIC, _DENSE_STORAGE, array.ndim)
        dims = struct.pack(f"<{array.ndim}q", *array.shape)
    elif version == 1:
        header = struct.pack("<II", NDARRAY_V1_MAGIC, array.ndim)
        dims = struct.pack(f"<{array.ndim}q", *array.shape)
    elif version == 0:
        header = struct.pack("<I", array.ndim)
        dims = struct.pack(f"<{array.ndim}I", *array.shape)
    else:
        raise ValueError(f"unknown NDArray record version {version}")
    return header + dims + context + struct.pack("<i", flag) + values


def encode_params(
    arg: Mapping[str, np.ndarray],
    aux: Mapping[str, np.ndarray] | None = None,
    version: int = 2,
) -> bytes:
    """Serialise arrays the way ``Module.save_checkpoint`` does (``arg:``/``aux:`` names).

    ``version`` picks the per-array record: 2 (current), 1 or 0 (legacy), so tests can
    exercise every reader branch without MXNet.
    """
    items = [(f"arg:{k}", v) for k, v in arg.items()]
    items += [(f"aux:{k}", v) for k, v in (aux or {}).items()]
    parts = [struct.pack("<QQQ", LIST_MAGIC, 0, len(items))]
    parts += [_encode_ndarray(np.asarray(v), version) for _, v in items]
    parts.append(struct.pack("<Q", len(items)))
    for name, _ in items:
        raw = name.encode("utf-8")
        parts.append(struct.pack("<Q", len(raw)) + raw)
    return b"".join(parts)


def save_params(
    path: str | os.PathLike[str],
    arg: Mapping[str, np.ndarray],
    aux: Mapping[str, np.ndarray] | None = None,
    version: int = 2,
) -> None:
    """Write ``encode_params(arg, aux, version)`` to ``path``."""
    Path(path).write_bytes(encode_params(arg, aux, version))
