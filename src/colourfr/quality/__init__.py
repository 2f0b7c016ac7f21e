"""Quality estimators: the registry of the ``colourfr.quality`` entry-point group.

Built-in specs live in :mod:`colourfr.quality.specs` (docs/plugins.md).
"""

from colourfr.registry import registry_for

REGISTRY = registry_for("quality")
