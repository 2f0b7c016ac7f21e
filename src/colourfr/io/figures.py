"""The one figure saver: PNG (300 dpi) and PDF, atomically, with no run-dependent bytes.

Matplotlib stamps PDFs with a creation date and SVGs with a date; both are dropped, so
two runs of the workflow (locally, on a cluster) give identical figure files and a
reviewer can compare them byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from colourfr.io.atomic import atomic_path

#: Resolution of every PNG figure (print quality).
PRINT_DPI = 300

_NO_DATE: dict[str, dict[str, Any]] = {
    ".pdf": {"CreationDate": None},
    ".svg": {"Date": None},
}


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (files only, no screen): the one set-up."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure: Any, path: str | os.PathLike[str], dpi: int = PRINT_DPI) -> None:
    """``figure.savefig`` to one file, atomically, without run-dependent metadata."""
    import matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = _NO_DATE.get(path.suffix.lower())
    # SVG element ids are random unless salted.
    with matplotlib.rc_context({"svg.hashsalt": "colourfr"}), atomic_path(path) as tmp:
        figure.savefig(
            tmp,
            format=path.suffix.lstrip(".").lower() or None,
            bbox_inches="tight",
            dpi=dpi,
            metadata=metadata,
        )


def save_figures(figure: Any, *paths: str | os.PathLike[str], dpi: int = PRINT_DPI) -> None:
    """The same figure to every path given (PNG and PDF, usually)."""
    for path in paths:
        save_figure(figure, path, dpi=dpi)


def finish_figure(figure: Any, axis: Any, *paths: str | os.PathLike[str]) -> None:
    """The house finish of a one-axis figure: a light grid, a small legend (when anything
    is labelled), saved to every path, closed."""
    axis.grid(True, alpha=0.3)
    if axis.get_legend_handles_labels()[0]:
        axis.legend(fontsize="small")
    save_figures(figure, *paths)
    pyplot().close(figure)
