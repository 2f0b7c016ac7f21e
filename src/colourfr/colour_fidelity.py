"""Colour fidelity of colourised images against the original colour images.

The paper only looked at its colourised images; we measure, per image:

* ``ciede2000``: mean CIEDE2000 colour difference over pixels (Sharma et al. 2005
  formulation, ``skimage.color.deltaE_ciede2000``, kL = kC = kH = 1), both images
  converted from sRGB (D65) to CIELAB. It includes lightness differences: the colourisers
  keep the *greyscale* input's luma, which is not the original's CIELAB L*, so even a
  perfect chroma prediction scores above 0.
* ``chroma_error``: mean absolute difference of CIELAB chroma ``C*ab = sqrt(a*² + b*²)``:
  how far the colourfulness of each pixel is off, ignoring hue.
* ``ab_error``: mean Euclidean distance in the a*b* plane: chroma *and* hue error,
  ignoring lightness (the quantity a colouriser that keeps luminance actually controls).
* ``colourfulness_original`` / ``colourfulness_colourised``: Hasler & Süsstrunk (2003)
  metric on 8-bit sRGB values, ``M = sqrt(σ_rg² + σ_yb²) + 0.3 sqrt(μ_rg² + μ_yb²)`` with
  ``rg = R - G`` and ``yb = (R + G)/2 - B`` (population standard deviations). A greyscale
  image scores 0; the authors' "moderately colourful" is about 33, "highly" about 59.

Images are compared at the original's size (colourisers output the input size; any
other size is recorded as the failure ``size_mismatch``). Rows whose original or
colourised variant failed keep the failure (``original:<reason>`` /
``colourised:<reason>``) with NaN metrics.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd
from skimage import color

from colourfr.errors import ImageReadError, ManifestError
from colourfr.images import read_rgb
from colourfr.io.status import STATUS_OK
from colourfr.io.tables import markdown, write_table

METRIC_COLUMNS = (
    "ciede2000",
    "chroma_error",
    "ab_error",
    "colourfulness_original",
    "colourfulness_colourised",
)
SHARD_COLUMNS = ("image_id", "status", "detail", *METRIC_COLUMNS)
INDEX_COLUMNS = ("image_id", "path", "status", "detail")


#: Pixels per block of rows: the CIELAB conversions and differences (float64, about 200 B
#: per pixel of a block) run block by block, so the peak memory per pixel of an image is
#: that of its two decoded copies (6 B), whatever its size.
FIDELITY_BLOCK_PIXELS = 1 << 18


def _row_blocks(height: int, width: int) -> list[slice]:
    rows = max(1, FIDELITY_BLOCK_PIXELS // max(width, 1))
    return [slice(top, min(top + rows, height)) for top in range(0, height, rows)]


def _opponent(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = rgb.astype(np.float64)
    red, green, blue = values[..., 0], values[..., 1], values[..., 2]
    return red - green, 0.5 * (red + green) - blue


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness of an (H, W, 3) sRGB image (0..255 scale).

    Two passes over blocks of rows (means, then squared deviations), as numpy's std."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected (H, W, 3) RGB, got shape {rgb.shape}")
    blocks = _row_blocks(*rgb.shape[:2])
    count = rgb.shape[0] * rgb.shape[1]
    sums = np.zeros(2)
    for block in blocks:
        rg, yb = _opponent(rgb[block])
        sums += (rg.sum(), yb.sum())
    means = sums / count
    squares = np.zeros(2)
    for block in blocks:
        rg, yb = _opponent(rgb[block])
        squares += (np.square(rg - means[0]).sum(), np.square(yb - means[1]).sum())
    spread = np.hypot(*np.sqrt(squares / count))
    offset = np.hypot(*means)
    return float(spread + 0.3 * offset)


def _lab_differences(
    lab_original: np.ndarray, lab_colourised: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    delta_e = color.deltaE_ciede2000(lab_original, lab_colourised)
    chroma_o = np.hypot(lab_original[..., 1], lab_original[..., 2])
    chroma_c = np.hypot(lab_colourised[..., 1], lab_colourised[..., 2])
    ab_distance = np.hypot(
        lab_original[..., 1] - lab_colourised[..., 1], lab_original[..., 2] - lab_colourised[..., 2]
    )
    return delta_e, np.abs(chroma_o - chroma_c), ab_distance


def lab_fidelity(lab_original: np.ndarray, lab_colourised: np.ndarray) -> dict[str, float]:
    """CIEDE2000 / chroma / a*b* errors between two (H, W, 3) CIELAB images."""
    if lab_original.shape != lab_colourised.shape:
        raise ValueError(f"shape mismatch {lab_original.shape} vs {lab_colourised.shape}")
    delta_e, chroma_error, ab_distance = _lab_differences(lab_original, lab_colourised)
    return {
        "ciede2000": float(delta_e.mean()),
        "chroma_error": float(chroma_error.mean()),
        "ab_error": float(ab_distance.mean()),
    }


def image_fidelity(original_rgb: np.ndarray, colourised_rgb: np.ndarray) -> dict[str, float]:
    """All metrics of one image pair (both (H, W, 3) uint8 sRGB, same size).

    Per-pixel differences are converted and summed block by block (FIDELITY_BLOCK_PIXELS);
    the means equal the whole-image ones up to the order of summation (~1e-15)."""
    if original_rgb.shape != colourised_rgb.shape:
        raise ValueError(f"shape mismatch {original_rgb.shape} vs {colourised_rgb.shape}")
    totals = np.zeros(3)
    for block in _row_blocks(*original_rgb.shape[:2]):
        differences = _lab_differences(
            color.rgb2lab(original_rgb[block]), color.rgb2lab(colourised_rgb[block])
        )
        totals += [difference.sum() for difference in differences]
    means = totals / (original_rgb.shape[0] * original_rgb.shape[1])
    return {
        "ciede2000": float(means[0]),
        "chroma_error": float(means[1]),
        "ab_error": float(means[2]),
        "colourfulness_original": colourfulness(original_rgb),
        "colourfulness_colourised": colourfulness(colourised_rgb),
    }


def _read_index(path: str | os.PathLike[str]) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in INDEX_COLUMNS if c not in table.columns]
    if missing:
        raise ManifestError(f"{path}: not a variant index (missing columns {missing})")
    if table["image_id"].duplicated().any():
        raise ManifestError(f"{path}: duplicate image_id values")
    return table


def _failure(image_id: str, status: str, detail: str) -> dict[str, object]:
    return {
        "image_id": image_id,
        "status": status,
        "detail": detail,
        **{column: np.nan for column in METRIC_COLUMNS},
    }


def shard_fidelity(
    original_index: str | os.PathLike[str], colourised_index: str | os.PathLike[str]
) -> pd.DataFrame:
    """One row per image of the original index (order kept), metrics or a failure."""
    originals = _read_index(original_index)
    colourised = _read_index(colourised_index).set_index("image_id")
    rows: list[dict[str, object]] = []
    for record in originals.itertuples(index=False):
        image_id = record.image_id
        if record.status != STATUS_OK:
            rows.append(_failure(image_id, f"original:{record.status}", record.detail))
            continue
        if image_id not in colourised.index:
            rows.append(_failure(image_id, "colourised:missing_from_index", str(colourised_index)))
            continue
        other = colourised.loc[image_id]
        if other["status"] != STATUS_OK:
            rows.append(_failure(image_id, f"colourised:{other['status']}", other["detail"]))
            continue
        try:
            original_rgb = read_rgb(record.path)
        except ImageReadError as exc:
            rows.append(_failure(image_id, f"original:{exc.reason}", exc.detail))
            continue
        try:
            colourised_rgb = read_rgb(other["path"])
        except ImageReadError as exc:
            rows.append(_failure(image_id, f"colourised:{exc.reason}", exc.detail))
            continue
        if original_rgb.shape != colourised_rgb.shape:
            rows.append(
                _failure(
                    image_id,
                    "size_mismatch",
                    f"original {original_rgb.shape[:2]}, colourised {colourised_rgb.shape[:2]}",
                )
            )
            continue
        rows.append(
            {
                "image_id": image_id,
                "status": STATUS_OK,
                "detail": "",
                **image_fidelity(original_rgb, colourised_rgb),
            }
        )
    return pd.DataFrame(rows, columns=list(SHARD_COLUMNS))


def read_shard_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A per-shard table written by :func:`shard_fidelity` (NaN metrics kept as NaN)."""
    table = pd.read_csv(path, dtype={"image_id": str, "status": str, "detail": str})
    missing = [c for c in SHARD_COLUMNS if c not in table.columns]
    if missing:
        raise ManifestError(f"{path}: not a colour-fidelity table (missing columns {missing})")
    table["detail"] = table["detail"].fillna("")
    return table.loc[:, list(SHARD_COLUMNS)]


def summarise(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per colouriser: counts and mean/median of every metric over measured images."""
    rows = []
    for colouriser, table in tables.items():
        measured = table[table["status"] == STATUS_OK]
        row: dict[str, object] = {
            "colouriser": colouriser,
            "n_images": len(table),
            "n_measured": len(measured),
            "n_failed": len(table) - len(measured),
        }
        for column in METRIC_COLUMNS:
            values = pd.to_numeric(measured[column])
            row[f"{column}_mean"] = float(values.mean()) if len(values) else np.nan
            row[f"{column}_median"] = float(values.median()) if len(values) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def write_summary(
    summary: pd.DataFrame,
    csv_path: str | os.PathLike[str],
    markdown_path: str | os.PathLike[str],
    latex_path: str | os.PathLike[str] | None = None,
) -> None:
    shown = summary[
        [
            "colouriser",
            "n_measured",
            "n_failed",
            "ciede2000_mean",
            "ciede2000_median",
            "chroma_error_mean",
            "ab_error_mean",
            "colourfulness_original_mean",
            "colourfulness_colourised_mean",
        ]
    ]
    header = (
        "Colour fidelity against the original colour images (per-image means, then mean/median "
        "over images). CIEDE2000 and a*b* error: lower is closer; chroma error: mean "
        "|ΔC*ab|; colourfulness: Hasler & Süsstrunk 2003.\n\n"
    )
    write_table(summary, csv=csv_path)
    write_table(
        shown,
        md=markdown_path,
        tex=latex_path,
        markdown_text=header + markdown(shown, floatfmt=".2f"),
        caption="Colour fidelity against the original colour images (CIEDE2000, "
        "chroma and a*b* errors: lower is closer; colourfulness: Hasler and "
        "Süsstrunk 2003).",
        label="tab:colour-fidelity",
        floatfmt=".2f",
    )


def plot_ciede2000(tables: Mapping[str, pd.DataFrame], *paths: str | os.PathLike[str]) -> None:
    """Box plot of per-image mean CIEDE2000 per colouriser, saved to every path given."""
    from colourfr.io.figures import pyplot, save_figures

    plt = pyplot()

    names = list(tables)
    data = [
        pd.to_numeric(tables[n].loc[tables[n]["status"] == STATUS_OK, "ciede2000"]).to_numpy()
        for n in names
    ]
    figure, axis = plt.subplots(figsize=(1.6 * max(len(names), 2) + 2, 4))
    if any(len(d) for d in data):
        axis.boxplot([d if len(d) else [np.nan] for d in data], showfliers=True)
        axis.set_xticks(range(1, len(names) + 1), labels=names, rotation=20, ha="right")
    axis.set_ylabel("per-image mean CIEDE2000 vs original")
    axis.set_title("Colour fidelity of colourisers")
    axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    save_figures(figure, *paths)
    plt.close(figure)
