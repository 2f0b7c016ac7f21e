"""Failures to acquire of one image in two variants: which ones colourisation rescued
(the greyscale image failed, the colourised one was acquired) or lost (the reverse), and
the counts behind the paper's Fig. 5."""

from __future__ import annotations

import numpy as np
import pandas as pd


def fta_changes(grey_records: pd.DataFrame, colour_records: pd.DataFrame) -> pd.DataFrame:
    """Per image: did the greyscale / colourised variant acquire? ``change`` is
    ``rescued`` (grey failed, colourised acquired), ``lost`` (the reverse) or ``same``."""
    grey = grey_records.set_index("image_id")["failure"]
    colour = colour_records.set_index("image_id")["failure"]
    table = pd.concat({"grey_failure": grey, "colourised_failure": colour}, axis=1, join="inner")
    grey_ok = table["grey_failure"].isna() | (table["grey_failure"] == "")
    colour_ok = table["colourised_failure"].isna() | (table["colourised_failure"] == "")
    table["change"] = np.select(
        [~grey_ok & colour_ok, grey_ok & ~colour_ok], ["rescued", "lost"], default="same"
    )
    return table.reset_index().rename(columns={"index": "image_id"})


def fta_change_summary(changes: pd.DataFrame, system: str, colouriser: str) -> dict[str, object]:
    """Counts behind Fig. 5: FTA of each variant, and how many colourisation changed."""
    grey_failed = (changes["grey_failure"].astype(str) != "").sum()
    colour_failed = (changes["colourised_failure"].astype(str) != "").sum()
    return {
        "system": system,
        "colouriser": colouriser,
        "images": len(changes),
        "grey_fta": int(grey_failed),
        "colourised_fta": int(colour_failed),
        "rescued": int((changes["change"] == "rescued").sum()),
        "lost": int((changes["change"] == "lost").sum()),
    }
