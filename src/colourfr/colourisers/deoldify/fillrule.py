"""Deterministic stand-in weights for the DeOldify equivalence fixtures.

The fixtures in ``shared/fixtures/deoldify`` were produced by running the original code
with every state-dict tensor filled by a fixed rule (the fixtures' README, section 3),
because the real weights cannot be used there. This module re-creates those tensors from
a manifest (``key, shape, dtype, numel, kind`` TSV) so that tests and benchmarks can load
them into our networks. The rule, per key ``k`` (independent ``numpy`` generator seeded with
``crc32(k)``, first draw ``N = standard_normal(shape)`` in float64):

* ``num_batches_tracked`` -> 0; ``running_mean`` -> ``0.1 N``; ``running_var`` -> ``1 + 0.1|N|``
* 1-d ``weight_u``/``weight_v`` -> ``N / ||N||``
* ``weight_g``, ``gamma``, ``weight`` with <= 1 dim -> ``1 + 0.1 N``
* other tensors with >= 2 dims -> ``N / sqrt(fan_in)``; ``weight_orig`` draws ``c ~ U(0.5, 2)``
  next and, where the module has ``weight_u`` and ``weight_v`` too, is shifted by a rank-one
  term so that its stored spectral norm ``u . W v`` equals ``c / sqrt(2)``
* ``bias`` -> ``0.01 N``; finally cast to the manifest dtype.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

_GAIN = math.sqrt(2.0)


@dataclass(frozen=True)
class ManifestEntry:
    key: str
    shape: tuple[int, ...]
    dtype: str
    kind: str


def read_manifest(path: str | Path) -> list[ManifestEntry]:
    entries = []
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            entries.append(
                ManifestEntry(
                    row["key"], tuple(json.loads(row["shape"])), row["dtype"], row["kind"]
                )
            )
    return entries


def _draw(key: str, shape: tuple[int, ...]) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(zlib.crc32(key.encode("utf-8")))
    return rng, rng.standard_normal(shape)


def _unit(key: str, shape: tuple[int, ...]) -> np.ndarray:
    _, n = _draw(key, shape)
    return n / np.sqrt(np.sum(n * n))


def fill_value(entry: ManifestEntry, keys: frozenset[str]) -> np.ndarray:
    """The rule's value for one manifest entry (cast to the manifest dtype)."""
    key, shape = entry.key, entry.shape
    name = key.rsplit(".", 1)[-1]
    if name == "num_batches_tracked":
        return np.zeros(shape, dtype=entry.dtype)
    rng, n = _draw(key, shape)
    if name == "running_mean":
        value = 0.1 * n
    elif name == "running_var":
        value = 1.0 + 0.1 * np.abs(n)
    elif name in ("weight_u", "weight_v") and len(shape) == 1:
        value = n / np.sqrt(np.sum(n * n))
    elif name in ("weight_g", "gamma") or (name == "weight" and len(shape) <= 1):
        value = 1.0 + 0.1 * n
    elif len(shape) >= 2:
        value = n * math.sqrt(1.0 / math.prod(shape[1:]))
        if name == "weight_orig":
            c = rng.uniform(0.5, 2.0)
            prefix = key[: -len("weight_orig")]
            if prefix + "weight_u" in keys and prefix + "weight_v" in keys:
                u = _unit(prefix + "weight_u", (shape[0],))
                v = _unit(prefix + "weight_v", (math.prod(shape[1:]),))
                matrix = value.reshape(shape[0], -1)
                sigma = u @ (matrix @ v)
                value = (c * (matrix + (1.0 / _GAIN - sigma) * np.outer(u, v))).reshape(shape)
    elif name == "bias":
        value = 0.01 * n
    else:
        raise ValueError(f"fill rule has no case for {key} with shape {list(shape)}")
    return np.ascontiguousarray(value.astype(entry.dtype))


def iter_filled(manifest: str | Path) -> Iterator[tuple[ManifestEntry, np.ndarray]]:
    entries = read_manifest(manifest)
    keys = frozenset(e.key for e in entries)
    for entry in entries:
        yield entry, fill_value(entry, keys)


def filled_state_dict(manifest: str | Path) -> dict[str, torch.Tensor]:
    """The whole filled state_dict in manifest order (torch tensors)."""
    return {entry.key: torch.from_numpy(value) for entry, value in iter_filled(manifest)}


def state_dict_digest(state: dict[str, torch.Tensor]) -> str:
    """sha256 over key, numpy dtype name and raw C-order bytes of each tensor, in order."""
    digest = hashlib.sha256()
    for key, tensor in state.items():
        array = tensor.numpy()
        digest.update(key.encode())
        digest.update(str(array.dtype).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
