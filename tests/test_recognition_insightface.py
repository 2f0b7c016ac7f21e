"""insightface-arcface on real LFW faces with the SCRFD-2.5G-kps detector from shared/.

The recognition head is a tiny ONNX model built here (Flatten + MatMul with fixed random
weights, routed by insightface's model_zoo exactly like an ArcFace), so the detector,
alignment, batching and failure handling are tested without large weights. One test
uses the MobileFaceNet converted by ``colourfr models import-mxnet`` when shared/ has
the MXNet files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.errors import AssetError, ConfigError
from colourfr.recognition import REGISTRY
from colourfr.resampling import opencv4_warp_affine

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCRFD = SHARED / "models" / "scrfd" / "scrfd_2.5g_kps.onnx"
MXNET = SHARED / "models" / "mobilefacenet-arcface"
LFW = SHARED / "data" / "lfw" / "images_deepfunneled"

pytestmark = pytest.mark.skipif(
    not (SCRFD.is_file() and LFW.is_dir()), reason="needs ../shared (SCRFD model and LFW)"
)

FACES = [
    "Aaron_Peirsol/Aaron_Peirsol_0001",
    "Aaron_Peirsol/Aaron_Peirsol_0002",
    "George_W_Bush/George_W_Bush_0001",
    "Serena_Williams/Serena_Williams_0001",
]
TINY_DIM = 16


def lfw(image_id: str) -> np.ndarray:
    return np.asarray(Image.open(LFW / f"{image_id}.jpg").convert("RGB"))


def build_tiny_recogniser(path: Path, dim: int = TINY_DIM, size: int = 112) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = np.random.default_rng(0).standard_normal((3 * size * size, dim)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["data"], ["flat"], name="flatten", axis=1),
            helper.make_node("MatMul", ["flat", "w"], ["fc1"], name="fc"),
        ],
        "tiny-recogniser",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["N", 3, size, size])],
        [helper.make_tensor_value_info("fc1", TensorProto.FLOAT, ["N", dim])],
        [numpy_helper.from_array(weights, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_recogniser(tmp_path_factory.mktemp("rec") / "tiny.onnx")


@pytest.fixture(scope="module")
def system(tiny: Path):  # type: ignore[no-untyped-def]
    return REGISTRY.get("insightface-arcface").create(
        detector=str(SCRFD),
        recogniser=str(tiny),
        det_size=[640, 640],
        threads=1,
        device="cpu",
        selection_rule="largest",
    )


def test_detects_aligns_and_embeds_lfw_faces(system) -> None:  # type: ignore[no-untyped-def]
    images = [lfw(i) for i in FACES]
    records, embeddings = system.process(images, FACES)
    assert embeddings.shape == (len(FACES), TINY_DIM) and embeddings.dtype == np.float32
    for record, image in zip(records, images):
        assert record.failure is None, record
        assert record.n_faces >= 1 and record.chosen_face is not None
        assert record.det_score >= 0.5
        x1, y1, x2, y2 = record.bbox
        # LFW deep-funneled faces sit in the middle of the 250x250 frame.
        assert 60 < (x1 + x2) / 2 < 190 and 60 < (y1 + y2) / 2 < 190
        eyes, nose = record.landmarks[:2], record.landmarks[2]
        assert eyes[0, 0] < nose[0] < eyes[1, 0]  # nose between the eyes
        assert eyes[:, 1].max() < nose[1]  # and below them
        assert x1 <= nose[0] <= x2 and y1 <= nose[1] <= y2
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)


def test_batched_equals_one_at_a_time(system) -> None:  # type: ignore[no-untyped-def]
    images = [lfw(i) for i in FACES]
    _, batched = system.process(images, FACES)
    single = np.vstack([system.process([image], [i])[1] for image, i in zip(images, FACES)])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_recogniser_sees_insightface_norm_crop(system, tiny) -> None:  # type: ignore[no-untyped-def]
    """The batched path feeds the recogniser exactly what ArcFaceONNX.get would."""
    from insightface.model_zoo import model_zoo
    from insightface.utils import face_align

    image = lfw(FACES[0])
    records, embeddings = system.process([image], FACES[:1])
    reference = model_zoo.get_model(str(tiny), providers=["CPUExecutionProvider"])
    # norm_crop's matrix, warped as OpenCV 4.x does (docs/fidelity-audit.md: OpenCV 5
    # changed warpAffine; tests/test_fidelity.py pins the warp against norm_crop on 4.x).
    matrix = face_align.estimate_norm(records[0].landmarks, 112)
    crop = opencv4_warp_affine(np.ascontiguousarray(image[:, :, ::-1]), matrix, (112, 112))
    expected = reference.get_feat(crop).ravel()  # BGR crop, swapRB inside get_feat
    np.testing.assert_allclose(embeddings[0], expected / np.linalg.norm(expected), atol=1e-5)


def test_blank_and_noise_images_are_failures_to_acquire(system) -> None:  # type: ignore[no-untyped-def]
    noise = np.random.default_rng(1).integers(0, 256, (250, 250, 3), dtype=np.uint8)
    blank = np.full((250, 250, 3), 128, np.uint8)
    records, embeddings = system.process([blank, noise, lfw(FACES[0])], ["blank", "noise", "face"])
    assert [r.failure for r in records] == ["no_face", "no_face", None]
    assert records[0].n_faces == 0 and records[0].chosen_face is None
    assert np.isnan(embeddings[:2]).all() and np.isfinite(embeddings[2]).all()


def test_bad_arrays_are_recorded_not_raised(system) -> None:  # type: ignore[no-untyped-def]
    tiny_image = lfw(FACES[0])[100:120, 100:130]
    grey = lfw(FACES[0])[:, :, 0]
    floats = lfw(FACES[0]).astype(np.float32)
    records, embeddings = system.process([tiny_image, grey, floats], ["tiny", "grey", "float"])
    assert [r.failure for r in records] == ["too_small", "unreadable", "unreadable"]
    assert "30x20" in records[0].detail
    assert np.isnan(embeddings).all()


def _collage() -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
    """700x300 canvas: a full-size face at the left edge, a 60% face at the centre."""
    canvas = np.full((300, 700, 3), 200, np.uint8)
    big = lfw(FACES[2])
    small = np.asarray(Image.fromarray(lfw(FACES[3])).resize((150, 150), Image.BILINEAR))
    canvas[25:275, 0:250] = big
    canvas[75:225, 275:425] = small
    return canvas, (0, 250), (275, 425)


@pytest.mark.parametrize(
    "rule, expected", [("largest", "big"), ("most_central", "small"), ("largest_central", "small")]
)
def test_several_faces_selection_rule_is_applied_and_recorded(tiny, rule, expected) -> None:  # type: ignore[no-untyped-def]
    system = REGISTRY.get("insightface-arcface").create(
        detector=str(SCRFD), recogniser=str(tiny), threads=1, device="cpu", selection_rule=rule
    )
    canvas, big_span, small_span = _collage()
    records, embeddings = system.process([canvas], ["collage"])
    record = records[0]
    assert record.failure is None and record.n_faces == 2
    assert record.selection_rule == rule
    centre_x = (record.bbox[0] + record.bbox[2]) / 2
    span = big_span if expected == "big" else small_span
    assert span[0] < centre_x < span[1]
    assert np.isfinite(embeddings).all()


def test_huge_image_detected_on_a_shrunken_copy_landmarks_in_original_pixels(
    system, face_on_huge_strip
) -> None:  # type: ignore[no-untyped-def]
    face = lfw(FACES[0])
    normal, _ = system.process([face], ["normal"])
    # Longer side above 8000 px: the face, enlarged 4x, on a wide strip.
    strip, left = face_on_huge_strip(face)
    records, embeddings = system.process([strip], ["huge"])
    record = records[0]
    assert record.failure is None
    assert record.extra["detection_scale"] == pytest.approx(2048 / 8200, rel=1e-4)
    expected = normal[0].landmarks * 4 + np.array([left, 0])
    # Landmarks agree with the normal-size detection, in the huge image's pixels, to
    # within 4% of the 1000 px face (the detector sees this face at ~80 px instead of
    # ~250 px, hence the looser match); a coordinate-mapping error would be off by
    # hundreds or thousands of pixels.
    np.testing.assert_allclose(record.landmarks, expected, atol=40)
    assert np.isfinite(embeddings).all()


def test_config_errors_name_the_problem(tiny) -> None:  # type: ignore[no-untyped-def]
    spec = REGISTRY.get("insightface-arcface")
    with pytest.raises(ConfigError, match="selection_rule"):
        spec.create(detector=str(SCRFD), recogniser=str(tiny), selection_rule="biggest")
    with pytest.raises(AssetError, match="missing.onnx"):
        spec.create(detector=str(SCRFD), recogniser=str(tiny.parent / "missing.onnx"))
    with pytest.raises(AssetError, match="not an InsightFace detection model"):
        spec.create(detector=str(tiny), recogniser=str(tiny))
    with pytest.raises(ConfigError, match="params.detector"):
        spec.create(recogniser=str(tiny))


def test_cuda_requested_without_cuda_provider_is_a_config_error(tiny, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """device: cuda on a CPU-only onnxruntime fails at build time with one clear error
    naming the key and the fix, instead of silently running on the CPU (auto does that)."""
    import onnxruntime

    from colourfr.errors import ColourfrError
    from colourfr.recognition.insightface_arcface import execution_providers

    # Deterministic on any machine: onnxruntime-gpu on a GPU host would offer CUDA.
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
    spec = REGISTRY.get("insightface-arcface")
    with pytest.raises(ConfigError) as error:
        spec.create(detector=str(SCRFD), recogniser=str(tiny), device="cuda", threads=1)
    message = str(error.value)
    assert isinstance(error.value, ColourfrError)
    assert "params.device" in message and "'cuda'" in message
    assert "CUDAExecutionProvider" in message and "onnxruntime-gpu" in message
    assert execution_providers("auto") == ["CPUExecutionProvider"]  # auto falls back quietly
    with pytest.raises(ConfigError, match="params.device: 'tpu'"):
        execution_providers("tpu")


def test_cuda_provider_is_preferred_when_onnxruntime_offers_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import onnxruntime

    from colourfr.recognition.insightface_arcface import execution_providers

    available = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: available)
    assert execution_providers("cuda") == available
    assert execution_providers("auto") == available
    assert execution_providers("cpu") == ["CPUExecutionProvider"]


def test_session_options_disable_spinning_and_set_threads() -> None:
    from colourfr.recognition.insightface_arcface import execution_providers, session_options

    options = session_options(3)
    assert options.intra_op_num_threads == 3
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert execution_providers("cpu") == ["CPUExecutionProvider"]


def test_provenance_records_models_and_settings(system, tiny) -> None:  # type: ignore[no-untyped-def]
    from colourfr.assets import sha256_of

    info = system.provenance()
    assert info["recogniser"]["sha256"] == sha256_of(tiny)
    assert info["det_size"] == [640, 640] and info["det_thresh"] == 0.5
    assert info["selection_rule"] == "largest"
    assert info["providers"] == ["CPUExecutionProvider"]


def test_bad_files_through_the_shard_runner(system, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """1-channel, RGBA, palette, CMYK and 16-bit files decode and are embedded; a
    truncated JPEG and a zero-byte file are recorded as unreadable with the reason."""
    from colourfr.recognition.records import embed_index

    face = Image.fromarray(lfw(FACES[0]))
    files = {
        "grey": (face.convert("L"), "grey.png"),
        "rgba": (face.convert("RGBA"), "rgba.png"),
        "palette": (face.convert("P"), "palette.png"),
        "cmyk": (face.convert("CMYK"), "cmyk.jpg"),
        "sixteen": (
            Image.fromarray(np.asarray(face.convert("L")).astype(np.uint16) * 257),
            "16.png",
        ),
    }
    for image, name in files.values():
        image.save(tmp_path / name)
    data = (LFW / f"{FACES[0]}.jpg").read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (tmp_path / "empty.jpg").write_bytes(b"")
    names = [*(name for _, name in files.values()), "truncated.jpg", "empty.jpg"]
    index = pd.DataFrame({"image_id": names, "path": names, "status": "ok", "detail": ""})
    records, embeddings = embed_index(system, index, batch_size=4, base_dir=tmp_path)
    by_id = {r.image_id: r for r in records}
    for _, name in files.values():
        assert by_id[name].failure is None, by_id[name]
    assert by_id["empty.jpg"].failure == "unreadable"
    assert by_id["empty.jpg"].detail.startswith("empty_file")
    assert by_id["truncated.jpg"].failure == "unreadable"
    assert by_id["truncated.jpg"].detail.startswith("truncated")
    assert np.isfinite(embeddings[: len(files)]).all()


@pytest.mark.skipif(
    not (MXNET / "model-symbol.json").is_file(), reason="needs shared MXNet MobileFaceNet"
)
def test_converted_mobilefacenet_separates_identities(tmp_path: Path) -> None:
    from colourfr.cli import main

    onnx_path = tmp_path / "mobilefacenet-arcface.onnx"
    rc = main(
        [
            "models",
            "import-mxnet",
            str(MXNET / "model-symbol.json"),
            str(MXNET / "model-0000.params"),
            str(onnx_path),
        ]
    )
    assert rc == 0
    system = REGISTRY.get("insightface-arcface").create(
        detector=str(SCRFD),
        recogniser=str(onnx_path),
        pack="mobilefacenet-scrfd",
        threads=1,
        device="cpu",
    )
    assert system.embedding_dim == 128
    # MXNet graphs normalise inside the graph; model_zoo must see that.
    assert system.provenance()["recogniser"]["input_mean"] == 0.0
    _, e = system.process([lfw(i) for i in FACES], FACES)
    similarity = e @ e.T
    genuine = similarity[0, 1]
    impostors = [similarity[0, 2], similarity[0, 3], similarity[2, 3]]
    assert genuine > 0.5 and max(impostors) < 0.3
