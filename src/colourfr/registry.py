"""Plugin registries: one per family (colouriser, quality, recognition, dataset format).

A registry maps the name used in config to a :class:`PluginSpec`. Specs are plain
data: the factory is given as ``"module:attribute"`` and imported only when an
instance is created, so validating a config never imports torch or TensorFlow.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from colourfr.errors import UnknownPluginError


@dataclass(frozen=True)
class PluginSpec:
    """Describes one plugin: how to build it and which parameters it takes."""

    name: str
    factory: str
    summary: str
    params_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})
    #: Parameters holding file paths that must exist when set (checked at config time).
    path_params: tuple[str, ...] = ()
    #: Whether the plugin benefits from a GPU (rules then declare ``resources: gpu=1``).
    uses_gpu: bool = False

    def load_factory(self) -> Callable[..., Any]:
        module_name, _, attribute = self.factory.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attribute)

    def create(self, **params: Any) -> Any:
        return self.load_factory()(**params)


class Registry:
    """Name -> PluginSpec for one plugin family."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._specs: dict[str, PluginSpec] = {}

    def register(self, spec: PluginSpec) -> PluginSpec:
        if spec.name in self._specs:
            raise ValueError(f"{self.family} plugin {spec.name!r} registered twice")
        self._specs[spec.name] = spec
        return spec

    def get(self, name: str) -> PluginSpec:
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(sorted(self._specs)) or "(none)"
            raise UnknownPluginError(
                f"unknown {self.family} plugin {name!r}; known: {known}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[PluginSpec]:
        return iter(self._specs.values())
