"""Colourisers: registry keyed by the names used in config (``colourisers.<name>.plugin``)."""

from colourfr.registry import Registry

REGISTRY = Registry("colouriser")

# Plugins register themselves below with plain PluginSpec data (no heavy imports here).
