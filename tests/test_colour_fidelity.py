"""Colour-fidelity metrics (colourfr.colour_fidelity), hand-worked cases."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr import colour_fidelity as cf


def test_colourfulness_hand_worked() -> None:
    assert cf.colourfulness(np.full((3, 3, 3), 128, np.uint8)) == 0.0  # grey
    red = np.zeros((2, 2, 3), np.uint8)
    red[...] = (255, 0, 0)
    # rg = 255, yb = 127.5 everywhere: no spread, M = 0.3 * |(255, 127.5)|
    assert cf.colourfulness(red) == pytest.approx(0.3 * math.hypot(255, 127.5))
    half = np.zeros((2, 2, 3), np.uint8)
    half[0] = (255, 0, 0)
    # rg in {255, 0}: mean 127.5, sd 127.5; yb in {127.5, 0}: mean 63.75, sd 63.75
    assert cf.colourfulness(half) == pytest.approx(1.3 * math.hypot(127.5, 63.75))


def test_ciede2000_matches_sharma_reference_pair() -> None:
    # Sharma, Wu & Dalal (2005) test data, pair 1: ΔE00 = 2.0425.
    one = np.array([[[50.0, 2.6772, -79.7751]]])
    two = np.array([[[50.0, 0.0, -82.7485]]])
    assert cf.lab_fidelity(one, two)["ciede2000"] == pytest.approx(2.0425, abs=1e-4)


def test_chroma_and_ab_errors_hand_worked() -> None:
    original = np.array([[[50.0, 3.0, 4.0], [50.0, 3.0, 4.0]]])
    colourised = np.array([[[50.0, 0.0, 0.0], [50.0, -4.0, 3.0]]])
    metrics = cf.lab_fidelity(original, colourised)
    # pixel 1: |C| 5 -> 0, ab distance 5; pixel 2: same chroma 5, ab distance sqrt(50)
    assert metrics["chroma_error"] == pytest.approx((5 + 0) / 2)
    assert metrics["ab_error"] == pytest.approx((5 + math.sqrt(50)) / 2)


def test_identical_images_score_zero_error() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (8, 9, 3), dtype=np.uint8)
    metrics = cf.image_fidelity(rgb, rgb)
    assert metrics["ciede2000"] == pytest.approx(0.0, abs=1e-9)
    assert metrics["ab_error"] == pytest.approx(0.0, abs=1e-9)
    assert metrics["colourfulness_original"] == metrics["colourfulness_colourised"] > 0


def _index(tmp_path: Path, name: str, rows: list[tuple[str, str, str, str]]) -> Path:
    path = tmp_path / f"{name}.csv"
    pd.DataFrame(rows, columns=list(cf.INDEX_COLUMNS)).to_csv(path, index=False)
    return path


def test_shard_fidelity_measures_ok_rows_and_records_failures(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    original = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    grey = np.repeat(original.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    paths = {}
    for name, image in {
        "o1": original,
        "c1": grey,
        "o2": original,
        "c2": grey[:4],
        "o3": original,
    }.items():
        paths[name] = tmp_path / f"{name}.png"
        Image.fromarray(image).save(paths[name])
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    originals = _index(
        tmp_path,
        "orig",
        [
            ("a", str(paths["o1"]), "ok", ""),
            ("b", str(paths["o2"]), "ok", ""),
            ("c", str(paths["o3"]), "ok", ""),
            ("d", "", "undecodable", "bad jpeg"),
            ("e", str(paths["o1"]), "ok", ""),
        ],
    )
    colourised = _index(
        tmp_path,
        "col",
        [
            ("a", str(paths["c1"]), "ok", ""),
            ("b", str(paths["c2"]), "ok", ""),
            ("c", str(tmp_path / "broken.png"), "ok", ""),
            ("d", "", "undecodable", "bad jpeg"),
            ("e", "", "no_output", "x"),
        ],
    )
    table = cf.shard_fidelity(originals, colourised)
    assert list(table.columns) == list(cf.SHARD_COLUMNS)
    statuses = list(table["status"])
    assert statuses[:2] == ["ok", "size_mismatch"]
    assert statuses[2] in ("colourised:truncated", "colourised:undecodable")  # read_rgb's reason
    assert statuses[3:] == ["original:undecodable", "colourised:no_output"]
    expected = cf.image_fidelity(original, grey)
    assert table.loc[0, "ciede2000"] == pytest.approx(expected["ciede2000"])
    assert table.loc[0, "colourfulness_colourised"] == pytest.approx(0.0)
    assert table.loc[1:, "ciede2000"].isna().all()

    summary = cf.summarise({"x": table})
    assert summary.loc[0, "n_measured"] == 1 and summary.loc[0, "n_failed"] == 4
    assert summary.loc[0, "ciede2000_mean"] == pytest.approx(expected["ciede2000"])
    cf.write_summary(summary, tmp_path / "s.csv", tmp_path / "s.md", tmp_path / "s.tex")
    assert "ciede2000_mean" in (tmp_path / "s.md").read_text()
    latex = (tmp_path / "s.tex").read_text()
    assert "\\begin{table}" in latex and f"{expected['ciede2000']:.2f}" in latex
    cf.plot_ciede2000({"x": table, "y": table.iloc[1:]}, tmp_path / "f.png", tmp_path / "f.pdf")
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    first_pdf = (tmp_path / "f.pdf").read_bytes()
    assert first_pdf.startswith(b"%PDF") and b"CreationDate" not in first_pdf
    cf.plot_ciede2000({"x": table, "y": table.iloc[1:]}, tmp_path / "f.pdf")
    assert (tmp_path / "f.pdf").read_bytes() == first_pdf  # a rerun writes the same bytes


def test_index_without_required_columns_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("image_id,path\na,b\n")
    with pytest.raises(cf.ManifestError, match="bad.csv"):
        cf.shard_fidelity(bad, bad)
