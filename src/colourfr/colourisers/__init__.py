"""Colourisers: the registry of the ``colourfr.colourisers`` entry-point group.

Built-in specs live in :mod:`colourfr.colourisers.specs`; plugins from other
distributions register the same way (docs/plugins.md).
"""

from colourfr.registry import registry_for

REGISTRY = registry_for("colourisers")
