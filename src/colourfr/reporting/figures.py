"""Figures for readers: the saver lives in colourfr.io.figures; PDF date normalisation
for files other tools write.

Matplotlib stamps PDFs with a creation date and SVGs with a date; both are dropped, so
two runs of the workflow (locally, on a cluster) give identical figure files and a
reviewer can compare them byte for byte.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from colourfr.io.atomic import write_bytes
from colourfr.io.figures import save_figure, save_figures

__all__ = ["normalise_pdf_dates", "save_figure", "save_figures"]


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

    write_bytes(path, _PDF_DATE.sub(fixed, data))


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        normalise_pdf_dates(name)
