"""The colour shift a colouriser causes in the skin: per image, colourised minus original
in the same cheek and forehead region (delta ITA, delta hue, delta L*, CIEDE2000 of the
region means), and per colouriser and skin-tone group the means with subject-bootstrap
intervals (docs/metrics.md, "Skin tone and demographic differentials")."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from colourfr.metrics.bootstrap import BootstrapSettings, subject_bootstrap_mean
from colourfr.metrics.differential import group_names, size_flag
from colourfr.skin_tone import UNKNOWN_GROUP, ItaBin, ciede2000, hue_difference

_MEASURES = ("delta_ita", "delta_hue", "delta_L", "ciede2000")


#: Columns of the colour-shift table (also when no colouriser is enabled).
SHIFT_COLUMNS = [
    "colouriser", "group", "images", "subjects", "ita_original", "ita_colourised",
    *[f"{m}{suffix}" for m in _MEASURES for suffix in ("", "_low", "_high")],
    "flag",
]  # fmt: skip


def per_image_shift(tones: pd.DataFrame, variant: str) -> pd.DataFrame:
    """Per image: original and ``variant`` ITA, delta ITA, delta hue, CIEDE2000 of the
    region means (NaN where either is not measured)."""
    original = tones[tones["variant"] == "original"]
    other = tones[tones["variant"] == variant]
    joined = original.merge(other, on="image_id", suffixes=("_original", "_colourised"))
    rows = []
    for r in joined.to_dict("records"):
        image_id = r["image_id"]
        measured = pd.isna(r["failure_original"]) and pd.isna(r["failure_colourised"])
        lab_o = (r["L_original"], r["a_original"], r["b_original"])
        lab_c = (r["L_colourised"], r["a_colourised"], r["b_colourised"])
        ok = measured and all(math.isfinite(float(v)) for v in (*lab_o, *lab_c))
        rows.append(
            {
                "image_id": image_id,
                "ita_original": r["ita_original"],
                "ita_colourised": r["ita_colourised"],
                "delta_ita": r["ita_colourised"] - r["ita_original"] if ok else math.nan,
                "delta_hue": hue_difference(r["hue_colourised"], r["hue_original"])
                if ok and math.isfinite(r["hue_colourised"]) and math.isfinite(r["hue_original"])
                else math.nan,
                "delta_L": r["L_colourised"] - r["L_original"] if ok else math.nan,
                "ciede2000": ciede2000(lab_o, lab_c) if ok else math.nan,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "image_id",
            "ita_original",
            "ita_colourised",
            "delta_ita",
            "delta_hue",
            "delta_L",
            "ciede2000",
        ],
    )


def colour_shift_table(
    tones: pd.DataFrame,
    subject_of: pd.Series,
    groups: pd.DataFrame,
    colourised_variants: Mapping[str, str],
    bins: Sequence[ItaBin],
    settings: BootstrapSettings,
) -> pd.DataFrame:
    """Per colouriser and group (and 'all'): mean and interval of delta ITA, delta hue,
    delta L* and CIEDE2000 (``colourised_variants``: colouriser -> variant name)."""
    group_of_subject = dict(zip(groups["subject_id"], groups["group"]))
    rows = []
    for colouriser, variant in colourised_variants.items():
        shifts = per_image_shift(tones, variant)
        shifts = shifts[shifts["image_id"].isin(subject_of.index)]
        shifts["subject_id"] = shifts["image_id"].map(subject_of)
        shifts["group"] = shifts["subject_id"].map(group_of_subject).fillna(UNKNOWN_GROUP)
        for name in [*group_names(bins), "all"]:
            part = shifts if name == "all" else shifts[shifts["group"] == name]
            valid = part[np.isfinite(part["delta_ita"].to_numpy(dtype=float))]
            n_subjects = int(valid["subject_id"].nunique())
            if name != "all" and not (groups["group"] == name).any():
                continue  # an empty bin: listed in the group distribution only
            row: dict[str, object] = {
                "colouriser": colouriser,
                "group": name,
                "images": len(valid),
                "subjects": n_subjects,
                "ita_original": float(valid["ita_original"].mean()) if len(valid) else math.nan,
                "ita_colourised": float(valid["ita_colourised"].mean()) if len(valid) else math.nan,
            }
            for column in _MEASURES:
                mean, low, high = subject_bootstrap_mean(
                    part[column].tolist(), part["subject_id"].tolist(), settings
                )
                row.update({column: mean, f"{column}_low": low, f"{column}_high": high})
            row["flag"] = size_flag(n_subjects, settings.min_subjects)
            rows.append(row)
    return pd.DataFrame(rows, columns=SHIFT_COLUMNS)
