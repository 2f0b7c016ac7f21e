"""Parse MXNet symbol JSON (``*-symbol.json``) into a small typed graph.

A symbol file holds ``nodes`` in topological order; each node has ``op`` (``"null"`` for a
variable: the input or a weight), ``name``, string ``attrs`` and ``inputs`` given as
``[node_index, output_index(, version)]``. ``heads`` lists the graph outputs. Files written
by MXNet < 0.9 call the attributes ``param`` (op parameters) and ``attr`` (user
attributes such as ``__init__``), and may omit the version in input entries; both forms are
accepted here.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from colourfr.errors import AssetError


class MXNetConversionError(AssetError):
    """A symbol/params pair cannot be converted: bad file, unsupported op or attribute."""


@dataclass(frozen=True)
class SymbolNode:
    index: int
    op: str
    name: str
    attrs: Mapping[str, str]
    inputs: tuple[tuple[int, int], ...]

    @property
    def is_variable(self) -> bool:
        return self.op == "null"

    def describe(self) -> str:
        return f"node #{self.index} {self.name!r} (op {self.op})"


@dataclass(frozen=True)
class SymbolGraph:
    nodes: tuple[SymbolNode, ...]
    heads: tuple[tuple[int, int], ...]
    source: str = "<symbol>"
    by_name: Mapping[str, int] = field(default_factory=dict)

    def find(self, name: str) -> int | None:
        """Index of the node called ``name`` (``fc1_output`` also finds ``fc1``)."""
        if name in self.by_name:
            return self.by_name[name]
        if name.endswith("_output") and name[: -len("_output")] in self.by_name:
            return self.by_name[name[: -len("_output")]]
        return None


def _entry(raw: object, where: str) -> tuple[int, int]:
    if not isinstance(raw, list) or len(raw) not in (2, 3):
        raise ValueError(f"{where}: bad input entry {raw!r}")
    return int(raw[0]), int(raw[1])


def parse_symbol(text: str, source: str = "<symbol>") -> SymbolGraph:
    """Decode symbol JSON text; ``source`` names the file in errors."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MXNetConversionError(f"{source}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        raise MXNetConversionError(f"{source}: not an MXNet symbol file (no 'nodes' list)")
    nodes: list[SymbolNode] = []
    by_name: dict[str, int] = {}
    try:
        for index, raw in enumerate(doc["nodes"]):
            attrs: dict[str, str] = {}
            for key in ("attr", "param", "attrs"):  # later keys win, as in MXNet's loader
                attrs.update({str(k): str(v) for k, v in (raw.get(key) or {}).items()})
            inputs = tuple(_entry(e, f"node #{index}") for e in raw.get("inputs", []))
            for src, _ in inputs:
                if not 0 <= src < index:
                    raise ValueError(f"node #{index} reads node #{src}, not an earlier node")
            node = SymbolNode(index, str(raw["op"]), str(raw["name"]), attrs, inputs)
            nodes.append(node)
            # Names are unique in symbols MXNet writes; keep the first if a file breaks that.
            by_name.setdefault(node.name, index)
        heads = tuple(_entry(e, "heads") for e in doc.get("heads", []))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MXNetConversionError(f"{source}: malformed symbol node: {exc}") from exc
    for src, _ in heads:
        if not 0 <= src < len(nodes):
            raise MXNetConversionError(f"{source}: head refers to missing node #{src}")
    return SymbolGraph(tuple(nodes), heads, source, by_name)


def load_symbol(path: str | os.PathLike[str]) -> SymbolGraph:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MXNetConversionError(f"{path}: cannot read MXNet symbol file: {exc}") from exc
    return parse_symbol(text, str(path))


# --- attribute values: MXNet stores every parameter as a Python-literal-like string ---


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def parse_int_tuple(value: str) -> tuple[int, ...]:
    """``"(3, 3)"``, ``"[1,1]"``, ``"(2,)"`` or ``"3"`` -> ints; ``"None"`` inside -> error."""
    parsed = ast.literal_eval(value.strip())
    if isinstance(parsed, int):
        return (parsed,)
    if isinstance(parsed, (tuple, list)) and all(isinstance(v, int) for v in parsed):
        return tuple(parsed)
    raise ValueError(f"not a tuple of integers: {value!r}")
