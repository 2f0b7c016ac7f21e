"""Recognition systems: the registry of the ``colourfr.recognition`` entry-point group.

Built-in specs live in :mod:`colourfr.recognition.specs` (docs/plugins.md).
"""

from colourfr.registry import registry_for

REGISTRY = registry_for("recognition")
