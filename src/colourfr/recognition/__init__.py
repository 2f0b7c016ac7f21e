"""Recognition systems: registry keyed by the names used in config."""

from colourfr.registry import Registry

REGISTRY = Registry("recognition system")
