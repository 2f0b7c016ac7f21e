"""Saving figures for readers so that a rerun writes the same bytes.

Matplotlib stamps PDFs with a creation date and SVGs with a date; both are dropped, so
two runs of the workflow (locally, on a cluster) give identical figure files and a
reviewer can compare them byte for byte.
"""

from __future__ import annotations

import os
import re
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
    import matplotlib

    # SVG element ids are random unless salted.
    with matplotlib.rc_context({"svg.hashsalt": "colourfr"}):
        figure.savefig(path, bbox_inches="tight", dpi=dpi, metadata=metadata)


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9]{14}[^)]*\)")


def normalise_pdf_dates(path: str | os.PathLike[str]) -> None:
    """Replace a PDF's creation/modification dates by a fixed date of the same length.

    For PDFs written by other tools (Graphviz through cairo ignores SOURCE_DATE_EPOCH);
    keeping the length keeps the cross-reference offsets valid.
    """
    path = Path(path)
    data = path.read_bytes()

    def fixed(match: re.Match[bytes]) -> bytes:
        original = match.group(0)
        stamp = b"/" + match.group(1) + b" (D:19700101000000Z"
        return stamp + b" " * (len(original) - len(stamp) - 1) + b")"

    path.write_bytes(_PDF_DATE.sub(fixed, data))


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        normalise_pdf_dates(name)
