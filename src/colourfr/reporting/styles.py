"""Line styles for figures that are read in print: every curve differs in colour (the
Okabe-Ito palette, safe for the common colour-vision deficiencies), line style and marker,
so that scenarios can be told apart in greyscale too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Okabe & Ito (2008), without yellow (too light on white paper).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
)
LINE_STYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")


def curve_styles(names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """name -> matplotlib keyword arguments (color, linestyle, marker), distinct per name."""
    return {
        name: {
            "color": PALETTE[i % len(PALETTE)],
            "linestyle": LINE_STYLES[i % len(LINE_STYLES)],
            "marker": MARKERS[i % len(MARKERS)],
            "markersize": 4,
        }
        for i, name in enumerate(names)
    }
