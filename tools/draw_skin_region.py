"""Draw the skin-tone measurement region in aligned-face coordinates (docs/metrics.md):
the ArcFace 112x112 template's five landmarks and the cheek and forehead patches of
colourfr.skin_tone. Writes docs/figures/skin_region.png (no face image is used).

    .venv/bin/python tools/draw_skin_region.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Ellipse, Rectangle

from colourfr.io.figures import save_figure
from colourfr.skin_tone import ALIGNED_SIZE, ALIGNED_TEMPLATE, SKIN_PATCHES

OUT = Path(__file__).resolve().parents[1] / "docs" / "figures" / "skin_region.png"


def main() -> None:
    figure, axis = plt.subplots(figsize=(4, 4))
    axis.add_patch(Rectangle((0, 0), ALIGNED_SIZE, ALIGNED_SIZE, fill=False, color="0.3"))
    # A schematic face outline, for orientation only.
    axis.add_patch(Ellipse((56, 62), 78, 100, fill=False, color="0.6", linestyle="--"))
    for name, (x0, y0, x1, y1) in SKIN_PATCHES.items():
        axis.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, color="#D55E00", alpha=0.45))
        axis.text((x0 + x1) / 2, (y0 + y1) / 2, name.replace("_", "\n"), ha="center",
                  va="center", fontsize=7)  # fmt: skip
    labels = ("left eye", "right eye", "nose", "mouth L", "mouth R")
    for (x, y), label in zip(ALIGNED_TEMPLATE, labels):
        axis.plot(x, y, "o", color="#0072B2", markersize=4)
        axis.annotate(label, (x, y), textcoords="offset points", xytext=(0, -10),
                      ha="center", fontsize=6, color="#0072B2")  # fmt: skip
    axis.set_xlim(0, ALIGNED_SIZE)
    axis.set_ylim(ALIGNED_SIZE, 0)
    axis.set_aspect("equal")
    axis.set_title("Skin region in the 112x112 aligned face", fontsize=9)
    axis.tick_params(labelsize=7)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_figure(figure, OUT, dpi=150)
    print(OUT)


if __name__ == "__main__":
    main()
