"""The self-trained colouriser: split, data hash, fastai NoGAN-like recipe, inference path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from colourfr.colourisers.deoldify.unet import DeOldifyUnet
from colourfr.colourisers.training import data as split
from colourfr.errors import AssetError, ConfigError

pytest.importorskip("fastai")

from colourfr.colourisers import trained
from colourfr.colourisers.training import recipe

LFW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lfw"


def _fake_lfw(root: Path, people: int = 10, per_person: int = 4, size: int = 40) -> Path:
    """An LFW-shaped folder: smooth coloured faces-ish blobs, one hue family per person."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size] / size
    lines = [str(people)]
    for p in range(people):
        name = f"Person_{p:02d}"
        lines.append(f"{name}\t{per_person}")
        folder = root / "images_deepfunneled" / name
        folder.mkdir(parents=True)
        base = rng.uniform(60, 200, 3)
        for i in range(1, per_person + 1):
            blob = np.exp(-((yy - 0.5) ** 2 + (xx - 0.5) ** 2) / rng.uniform(0.03, 0.08))
            image = base[None, None, :] * (0.5 + 0.5 * blob[..., None]) + rng.normal(
                0, 4, (size, size, 3)
            )
            Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
                folder / f"{name}_{i:04d}.jpg", quality=95
            )
    (root / "peopleDevTrain.txt").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    base = tmp_path_factory.mktemp("trained")
    lfw = _fake_lfw(base / "lfw")
    out = base / "models" / "trained-unet"
    record = recipe.train_and_save(lfw, out, recipe.make_config("test", {"threads": 2}), "test")
    return lfw, out, record


def test_end_to_end_training_writes_checkpoint_config_hash_and_subjects(trained_run) -> None:
    lfw, out, record = trained_run
    for name in ("generator.pth", "training.json", "training_subjects.txt"):
        assert (out / name).is_file()
    on_disk = json.loads((out / "training.json").read_text())
    assert on_disk["training"] == record["training"] and on_disk["training"]["max_images"] == 40
    used = split.split_image_paths(lfw)
    assert on_disk["data"]["data_sha256"] == split.data_hash(used, lfw)
    assert (out / "training_subjects.txt").read_text().split() == sorted(
        p.parent.name for p in used[::4]
    )
    # A bare state_dict that loads with weights_only=True into the DeOldify generator class.
    state = torch.load(out / "generator.pth", map_location="cpu", weights_only=True)
    model = DeOldifyUnet(trained.unet_config_from_record(on_disk))
    model.load_state_dict(state, strict=True)


def test_training_reduces_the_loss_and_runs_all_three_phases(trained_run) -> None:
    history = trained_run[2]["history"]
    assert history["valid_loss_final"] < history["valid_loss_initial"]
    assert history["pretrain_valid_loss"][-1] < history["valid_loss_initial"]
    batches = history["pretrain_batch_losses"]
    assert np.mean(batches[-2:]) < np.mean(batches[:2])
    assert history["critic_pretrain_batch_losses"]
    # The adversarial phase really updates the generator (it starts with a generator step).
    assert history["gan_generator_losses"] and history["gan_critic_losses"]
    assert all(np.isfinite(history["gan_generator_losses"]))


def test_inference_uses_the_deoldify_path_and_keeps_input_luma(trained_run) -> None:
    _, out, _ = trained_run
    # Built the one way plugins are built: the plan-only training params are dropped.
    from colourfr.registry import build

    colouriser = build(
        "colourisers",
        "trained-unet",
        {"model_dir": str(out), "lfw_root": None, "profile": "test", "training": {}},
    )
    assert isinstance(colouriser.model, DeOldifyUnet)
    assert colouriser.render_factor == 2  # the training one by default
    rng = np.random.default_rng(5)
    greys = [
        rng.integers(40, 216, (37, 29), dtype=np.uint8),
        rng.integers(40, 216, (20, 20), dtype=np.uint8),
    ]
    outputs = colouriser.colourise(greys)
    assert [o.shape for o in outputs] == [(37, 29, 3), (20, 20, 3)]
    import cv2

    for grey, rgb in zip(greys, outputs):
        luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV)[:, :, 0].astype(int)
        # The YUV merge keeps Y up to uint8 round trips and RGB gamut clipping of strong chroma.
        assert np.percentile(np.abs(luma - grey), 90) <= 2
    from colourfr.colourisers.deoldify.pipeline import colourise_image

    np.testing.assert_array_equal(outputs[1], colourise_image(colouriser.model, greys[1], 2))
    assert colouriser.provenance()["training_data_sha256"]


def test_tampered_or_missing_model_files_are_caught_before_any_work(
    trained_run, tmp_path: Path
) -> None:
    _, out, _ = trained_run
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "training.json").write_text((out / "training.json").read_text())
    data = (out / "generator.pth").read_bytes()
    (broken / "generator.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(AssetError, match="sha256"):
        trained.TrainedUnetColouriser(str(broken))
    (broken / "training.json").unlink()
    with pytest.raises(AssetError, match="training.json"):
        trained.TrainedUnetColouriser(str(broken))
    with pytest.raises(ConfigError, match="model_dir"):
        trained.TrainedUnetColouriser()


def test_make_config_rejects_unknown_keys_and_impossible_critics() -> None:
    assert recipe.make_config("cpu").size == 64
    with pytest.raises(ConfigError, match="nonsense"):
        recipe.make_config("cpu", {"nonsense": 1})
    with pytest.raises(ConfigError, match="profile"):
        recipe.make_config("huge")
    with pytest.raises(ConfigError, match="critic_blocks"):
        recipe.make_config("test", {"critic_blocks": 3})  # 32 px leaves room for 2


def test_chroma_l1_loss_hand_worked() -> None:
    loss = recipe.ChromaL1Loss(chroma_weight=2.0)
    grey = torch.full((1, 3, 2, 2), 0.5)
    normalise = lambda rgb: (
        (rgb - torch.tensor(recipe.IMAGENET_MEAN)[None, :, None, None])
        / torch.tensor(recipe.IMAGENET_STD)[None, :, None, None]
    )
    assert float(loss(normalise(grey), normalise(grey))) == pytest.approx(0.0, abs=1e-6)
    # Grey has no chroma; lifting all channels by 0.1 is a pure RGB (luma) error of 0.1.
    assert float(loss(normalise(grey + 0.1), normalise(grey))) == pytest.approx(0.1, abs=1e-4)
    red = grey.clone()
    red[:, 0] += 0.1
    # R + 0.1: RGB L1 = 0.1 / 3; U = -0.14713 * 0.1, V = 0.615 * 0.1 -> mean |UV| = 0.0381565
    expected = 0.1 / 3 + 2.0 * (0.014713 + 0.0615) / 2
    assert float(loss(normalise(red), normalise(grey))) == pytest.approx(expected, abs=1e-4)


def test_split_by_person_never_shares_a_person(tmp_path: Path) -> None:
    lfw = _fake_lfw(tmp_path / "lfw", people=6, per_person=2, size=8)
    train, valid = recipe.split_by_person(split.split_image_paths(lfw), 0.34, seed=1)
    assert {p.parent.name for p in train}.isdisjoint({p.parent.name for p in valid})
    assert len(train) + len(valid) == 12


def test_data_hash_follows_content_and_names_not_location(tmp_path: Path) -> None:
    one = _fake_lfw(tmp_path / "a", people=2, per_person=1, size=8)
    two = _fake_lfw(tmp_path / "b", people=2, per_person=1, size=8)
    paths_one, paths_two = split.split_image_paths(one), split.split_image_paths(two)
    assert split.data_hash(paths_one, one) == split.data_hash(paths_two, two)
    with open(paths_two[0], "ab") as handle:
        handle.write(b"\0")
    assert split.data_hash(paths_one, one) != split.data_hash(paths_two, two)


def test_people_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "peopleDevTrain.txt"
    bad.write_text("3\nA\t1\n")
    with pytest.raises(split.TrainingDataError, match="peopleDevTrain.txt: declares 3"):
        split.parse_people_file(bad)
    bad.write_text("1\nA\tx\n")
    with pytest.raises(split.TrainingDataError, match="peopleDevTrain.txt:2"):
        split.parse_people_file(bad)


@pytest.mark.skipif(not (LFW / "peopleDevTest.txt").is_file(), reason="../shared LFW not available")
def test_lfw_training_split_is_disjoint_from_devtest_people() -> None:
    train_people = {p.parent.name for p in split.split_image_paths(LFW)}
    test_people = {p.name for p in split.parse_people_file(LFW / "peopleDevTest.txt")}
    assert len(train_people) == 4038 and train_people.isdisjoint(test_people)
