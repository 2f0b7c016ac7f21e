"""Example figures, FTA changes and provenance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from colourfr.reporting.examples import fta_changes, fta_rescue_figure, variant_rows_figure
from colourfr.reporting.provenance import model_files, package_versions, provenance_markdown


def test_fta_changes_hand_worked() -> None:
    grey = pd.DataFrame({"image_id": ["a", "b", "c", "d"], "failure": ["no_face", None, "no_face", None]})
    colour = pd.DataFrame({"image_id": ["a", "b", "c", "d"], "failure": [None, "no_face", "no_face", None]})
    changes = fta_changes(grey, colour).set_index("image_id")["change"]
    assert changes.to_dict() == {"a": "rescued", "b": "lost", "c": "same", "d": "same"}


def _png(path: Path, value: int) -> str:
    Image.fromarray(np.full((20, 20, 3), value, np.uint8)).save(path)
    return str(path)


def test_figures_are_written(tmp_path: Path) -> None:
    index = {
        "original": pd.DataFrame({"image_id": ["a"], "path": [_png(tmp_path / "o.png", 200)]}),
        "grey": pd.DataFrame({"image_id": ["a"], "path": [_png(tmp_path / "g.png", 100)]}),
    }
    variant_rows_figure(["a", "missing"], index, tmp_path / "rows")
    assert (tmp_path / "rows.png").stat().st_size > 0 and (tmp_path / "rows.pdf").exists()
    changes = pd.DataFrame({"image_id": ["a"], "grey_failure": ["no_face"], "colourised_failure": [None], "change": ["rescued"]})
    fta_rescue_figure(changes, index["grey"], index["original"], "toy", tmp_path / "rescue")
    assert (tmp_path / "rescue.png").exists()
    fta_rescue_figure(changes.iloc[0:0], index["grey"], index["original"], "toy", tmp_path / "none")
    assert (tmp_path / "none.pdf").exists()


def test_provenance_lists_models_versions_and_config(tmp_path: Path, repo_root: Path) -> None:
    model = tmp_path / "models" / "net.onnx"
    model.parent.mkdir()
    model.write_bytes(b"abc")
    config = {"recognition": {"x": {"enabled": True, "params": {"model": str(model)}}}}
    files = model_files(config, [tmp_path / "models"])
    assert files == [model.resolve()]
    text = provenance_markdown(config, repo_root, files)
    assert "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" in text  # sha256("abc")
    assert "snakemake" in package_versions() and "git commit" in text and "recognition:" in text
