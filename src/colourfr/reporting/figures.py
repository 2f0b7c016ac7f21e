"""Saving figures for readers so that a rerun writes the same bytes.

Matplotlib stamps PDFs with a creation date and SVGs with a date; both are dropped, so
two runs of the workflow (locally, on a cluster) give identical figure files and a
reviewer can compare them byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_NO_DATE: dict[str, dict[str, Any]] = {
    ".pdf": {"CreationDate": None},
    ".svg": {"Date": None},
}


def save_figure(figure: Any, path: str | os.PathLike[str], dpi: int = 200) -> None:
    """``figure.savefig`` without run-dependent metadata; creates the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = _NO_DATE.get(path.suffix.lower())
    figure.savefig(path, bbox_inches="tight", dpi=dpi, metadata=metadata)
