"""The colourise index runner (colourfr.colourisers.run) with corrupt grey inputs.

Uses the exemplar-transfer colouriser (no weights) with a colour exemplar made here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from colourfr.colourisers import REGISTRY
from colourfr.colourisers.run import colourise_index
from colourfr.config import validate_against
from colourfr.errors import ConfigError
from colourfr.images import read_rgb, write_png
from colourfr.variants import INDEX_COLUMNS, output_path

PLUGIN = "exemplar-transfer"


def grey_face(height: int, width: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = 120 + 50 * np.sin(xx / 7.0) * np.cos(yy / 11.0) + 0.3 * yy
    return np.clip(base + rng.normal(0, 6, (height, width)), 0, 255).astype(np.uint8)


def colour_exemplar(path: Path) -> Path:
    """A skin-toned exemplar with varying luminance and clearly non-zero chroma."""
    yy, xx = np.mgrid[0:48, 0:40]
    level = 90 + 100 * (yy / 47.0) + 20 * np.sin(xx / 5.0)
    rgb = np.stack([level + 35, level, level - 30], axis=2)
    write_png(path, np.clip(rgb, 0, 255).astype(np.uint8))
    return path


def exemplar_params(exemplar: Path) -> dict[str, Any]:
    params: dict[str, Any] = {"exemplar": str(exemplar), "n_samples": 64}
    assert validate_against(REGISTRY.get(PLUGIN).params_schema, params, "params") == []
    return params


class CountingColouriser:
    """Wraps a colouriser and records the size of every batch it was given."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.batches: list[list[tuple[int, int]]] = []

    def colourise(self, grey_images: Sequence[np.ndarray]) -> list[np.ndarray]:
        self.batches.append([image.shape for image in grey_images])
        return self.inner.colourise(grey_images)

    def provenance(self) -> dict[str, Any]:
        return self.inner.provenance()


@pytest.fixture()
def grey_shard(tmp_path: Path) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A grey variant index: 3 good PNGs, a zero-byte, a truncated and a missing file,
    and a row that already failed upstream."""
    folder = tmp_path / "grey"
    good = {"a": grey_face(30, 24, 1), "c": grey_face(17, 33, 2), "f": grey_face(25, 25, 3)}
    for image_id, grey in good.items():
        write_png(folder / f"{image_id}.png", grey)
    (folder / "empty.png").write_bytes(b"")
    whole = (folder / "a.png").read_bytes()
    (folder / "cut.png").write_bytes(whole[: len(whole) // 2])
    rows = [
        ("a", folder / "a.png", "ok", ""),
        ("empty", folder / "empty.png", "ok", ""),
        ("c", folder / "c.png", "ok", ""),
        ("cut", folder / "cut.png", "ok", ""),
        ("gone", folder / "gone.png", "ok", ""),
        ("upstream", "", "undecodable", "original was not an image"),
        ("f", folder / "f.png", "ok", ""),
    ]
    index = pd.DataFrame(
        [{"image_id": i, "path": str(p), "status": s, "detail": d} for i, p, s, d in rows],
        columns=list(INDEX_COLUMNS),
    )
    return index, good


def test_corrupt_grey_files_are_recorded_and_the_rest_colourised(
    tmp_path: Path, grey_shard: tuple[pd.DataFrame, dict[str, np.ndarray]]
) -> None:
    index, good = grey_shard
    params = exemplar_params(colour_exemplar(tmp_path / "exemplar.png"))
    model = CountingColouriser(REGISTRY.get(PLUGIN).create(**params))
    out_dir = tmp_path / "colourised"
    table, provenance = colourise_index(
        index, out_dir, plugin=PLUGIN, params=params, batch_size=2, colouriser=model
    )

    assert list(table.columns) == list(INDEX_COLUMNS)
    assert table["image_id"].tolist() == index["image_id"].tolist()  # order kept
    status = dict(zip(table["image_id"], table["status"]))
    assert status == {
        "a": "ok",
        "empty": "empty_file",
        "c": "ok",
        "cut": "truncated",
        "gone": "missing",
        "upstream": "undecodable",
        "f": "ok",
    }
    failed = table[table["status"] != "ok"].set_index("image_id")
    assert (failed["path"] == "").all()
    assert failed.loc["upstream", "detail"] == "original was not an image"  # kept verbatim
    for image_id in ("empty", "cut", "gone"):
        assert not output_path(out_dir, image_id).exists()

    # only the three readable images reached the colouriser, in batches of <= 2
    assert sum(len(b) for b in model.batches) == 3 and max(len(b) for b in model.batches) <= 2
    for image_id, grey in good.items():
        row = table.set_index("image_id").loc[image_id]
        assert Path(row["path"]) == output_path(out_dir, image_id).resolve()
        rgb = read_rgb(row["path"])
        assert rgb.shape == (*grey.shape, 3)
        assert not (
            np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
        )  # it has colour
    assert provenance["plugin"] == PLUGIN
    assert provenance["colouriser"]["exemplar"] == params["exemplar"]
    json.dumps(provenance, default=str)  # what the script writes


def test_runner_builds_the_colouriser_from_config_and_survives_an_all_corrupt_shard(
    tmp_path: Path,
) -> None:
    params = exemplar_params(colour_exemplar(tmp_path / "exemplar.png"))
    (tmp_path / "zero.png").write_bytes(b"")
    index = pd.DataFrame(
        [{"image_id": "zero", "path": str(tmp_path / "zero.png"), "status": "ok", "detail": ""}],
        columns=list(INDEX_COLUMNS),
    )
    table, provenance = colourise_index(
        index,
        tmp_path / "out",
        plugin=PLUGIN,
        params=params,
        batch_size=4,
        resources_dir=str(tmp_path / "res"),
    )
    assert table["status"].tolist() == ["empty_file"] and table["path"].tolist() == [""]
    assert provenance["allow_downloads"] is False
    assert not (tmp_path / "res").exists()  # a plugin without downloads gets no cache folder


class TrainedOn(CountingColouriser):
    """A colouriser that says which people it was trained on, as trained-unet does."""

    def __init__(self, inner: Any, people: set[str]) -> None:
        super().__init__(inner)
        self.people = frozenset(people)

    def training_subjects(self) -> frozenset[str]:
        return self.people


def test_colouriser_is_never_run_on_its_training_people(
    tmp_path: Path, grey_shard: tuple[pd.DataFrame, dict[str, np.ndarray]]
) -> None:
    index, _ = grey_shard
    params = exemplar_params(colour_exemplar(tmp_path / "exemplar.png"))
    subjects = {image_id: f"person_{image_id}" for image_id in index["image_id"]}
    out_dir = tmp_path / "colourised"

    leaky = TrainedOn(REGISTRY.get(PLUGIN).create(**params), {"person_c", "someone_else"})
    with pytest.raises(
        ConfigError, match=r"colourisers\.unet was trained on 1 subject.*person_c.*exclude_lists"
    ):
        colourise_index(
            index,
            out_dir,
            plugin=PLUGIN,
            params=params,
            batch_size=2,
            colouriser=leaky,
            instance="unet",
            subject_of_image=subjects,
        )
    assert leaky.batches == [] and not any(out_dir.glob("*.png"))  # refused before any work

    disjoint = TrainedOn(REGISTRY.get(PLUGIN).create(**params), {"someone_else"})
    table, _ = colourise_index(
        index,
        out_dir,
        plugin=PLUGIN,
        params=params,
        batch_size=2,
        colouriser=disjoint,
        instance="unet",
        subject_of_image=subjects,
    )
    assert (table["status"] == "ok").sum() == 3


def test_trained_unet_reads_its_training_people(tmp_path: Path) -> None:
    from colourfr.colourisers.trained import SUBJECTS_NAME, TrainedUnetColouriser

    model = TrainedUnetColouriser.__new__(TrainedUnetColouriser)  # no checkpoint needed here
    model.model_dir = tmp_path
    assert model.training_subjects() == frozenset()
    (tmp_path / SUBJECTS_NAME).write_text("Ann_Lee\n\nBob_Roe\n", encoding="utf-8")
    assert model.training_subjects() == {"Ann_Lee", "Bob_Roe"}
