"""Dataset formats: each reader turns a distributed dataset layout into a raw listing.

A reader is ``read_<format>(root, **options) -> pandas.DataFrame`` with the columns of
:data:`colourfr.datasets.manifest.RAW_COLUMNS`. :func:`colourfr.datasets.manifest.build_manifest`
then validates the listing (ids, files, decodability) and assigns shards. Formats are
plugins of the ``colourfr.datasets`` entry-point group (built-ins: :mod:`.specs`).
"""

from colourfr.registry import registry_for

REGISTRY = registry_for("datasets")

#: Formats the workflow can download (``download: true``, ``root: null``); the others are
#: licensed by their owners and must be given as a local ``root``.
DOWNLOADABLE_FORMATS = frozenset({"lfw"})
