"""LightQNet on real LFW faces (landmarks from YuNet, as a recognition detector gives)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from colourfr.errors import AssetError
from colourfr.quality.lightqnet import (
    TEMPLATE_PERCENT,
    LightQNet,
    align_face,
    alignment_points,
    normalise,
)
from colourfr.recognition.base import FaceRecord

SHARED = Path(__file__).resolve().parents[2] / "shared"
MODELS = SHARED / "models" / "lightqnet"
LFW = SHARED / "data" / "lfw" / "images_deepfunneled"
YUNET = SHARED / "models" / "yunet" / "yunet_s_640_640.onnx"
PEOPLE = [
    "Aaron_Eckhart",
    "Aaron_Guiel",
    "Aaron_Patterson",
    "Aaron_Peirsol",
    "Aaron_Pena",
    "Aaron_Sorkin",
]

needs_shared = pytest.mark.skipif(
    not (MODELS.is_dir() and LFW.is_dir() and YUNET.is_file()),
    reason="../shared LightQNet models, LFW or YuNet not available",
)


def detect(rgb: np.ndarray, image_id: str) -> FaceRecord:
    detector = cv2.FaceDetectorYN.create(str(YUNET), "", (rgb.shape[1], rgb.shape[0]))
    _, faces = detector.detect(np.ascontiguousarray(rgb[:, :, ::-1]))
    assert faces is not None, image_id
    x, y, w, h = faces[0][:4]
    # YuNet's five points are in InsightFace's order (image-left eye first).
    return FaceRecord(
        image_id,
        bbox=(x, y, x + w, y + h),
        landmarks=faces[0][4:14].reshape(5, 2).astype(np.float64),
    )


@pytest.fixture(scope="module")
def lfw_faces() -> tuple[list[np.ndarray], list[FaceRecord]]:
    images, faces = [], []
    for person in PEOPLE:
        bgr = cv2.imread(str(LFW / person / f"{person}_0001.jpg"))
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        images.append(rgb)
        faces.append(detect(rgb, person))
    return images, faces


@pytest.fixture(scope="module")
def estimator() -> LightQNet:
    return LightQNet(variant="dm100", model_path=str(MODELS / "lightqnet-dm100.pb"))


def test_alignment_points_use_mouth_centre():
    landmarks = np.array([[10, 20], [30, 20], [20, 30], [12, 40], [28, 42]], float)
    np.testing.assert_array_equal(alignment_points(landmarks), [[10, 20], [30, 20], [20, 41]])


def test_align_face_puts_eyes_on_the_template():
    # Landmarks already at the template (in a 160 px frame): alignment is the identity,
    # so a dot drawn at the left eye lands at the template's eye position scaled to 96.
    target = TEMPLATE_PERCENT / 100 * 160
    landmarks = np.array(
        [
            target[0],
            target[1],
            [80, 100],
            [target[2][0] - 10, target[2][1]],
            [target[2][0] + 10, target[2][1]],
        ]
    )
    image = np.zeros((160, 160, 3), np.uint8)
    x, y = np.round(target[0]).astype(int)
    image[y - 3 : y + 4, x - 3 : x + 4] = 255
    aligned = align_face(image, landmarks)
    assert aligned.shape == (96, 96, 3)
    ys, xs = np.nonzero(aligned[..., 0] > 100)
    assert abs(xs.mean() - target[0][0] * 96 / 160) < 1.0
    assert abs(ys.mean() - target[0][1] * 96 / 160) < 1.0


def test_normalise_is_minus_128_over_128_nhwc():
    faces = np.zeros((2, 96, 96, 3), np.uint8)
    faces[0, 5, 7] = (0, 128, 255)
    batch = normalise(faces)
    assert batch.shape == (2, 96, 96, 3) and batch.dtype == np.float32
    np.testing.assert_array_equal(batch[0, 5, 7], [-1.0, 0.0, 127 / 128])


@needs_shared
def test_scores_in_range_and_blur_lowers_them(estimator, lfw_faces):
    images, faces = lfw_faces
    blurred = [cv2.GaussianBlur(image, (0, 0), 4.0) for image in images]
    clean_scores, reasons = estimator.score(images, faces)
    blur_scores, _ = estimator.score(blurred, faces)
    assert reasons == [None] * len(images)
    assert np.all((clean_scores > 0) & (clean_scores < 1))
    assert np.all((blur_scores > 0) & (blur_scores < 1))
    # A heavily blurred face is worse for recognition: lower quality, on each image.
    assert np.all(blur_scores < clean_scores)
    assert clean_scores.mean() - blur_scores.mean() > 0.1


@needs_shared
def test_batched_equals_one_at_a_time(estimator, lfw_faces):
    images, faces = lfw_faces
    batched, _ = estimator.score(images, faces)
    single = [estimator.score([image], [face])[0][0] for image, face in zip(images, faces)]
    np.testing.assert_allclose(batched, single, rtol=1e-4, atol=1e-6)


@needs_shared
def test_no_face_gives_nan_with_reason(estimator, lfw_faces):
    images, faces = lfw_faces
    records = [
        FaceRecord("a", failure="no_face"),
        faces[0],
        FaceRecord("c", bbox=(1, 2, 3, 4)),
        FaceRecord("d", landmarks=np.zeros((5, 2))),
    ]
    scores, reasons = estimator.score(images[:4], records)
    assert reasons == ["no_face", None, "no_landmarks", "alignment_failed"]
    assert np.isnan(scores[[0, 2, 3]]).all() and np.isfinite(scores[1])


@needs_shared
@pytest.mark.parametrize("variant", ["dm050", "dm025"])
def test_smaller_variants_load_and_score(variant, lfw_faces):
    images, faces = lfw_faces
    model = LightQNet(variant=variant, model_path=str(MODELS / f"lightqnet-{variant}.pb"))
    scores, _ = model.score(images[:2], faces[:2])
    assert np.all((scores > 0) & (scores < 1))
    assert model.provenance()["weights_sha256"] == model.asset.sha256


@needs_shared
def test_wrong_file_is_refused(tmp_path):
    with pytest.raises(AssetError, match="lightqnet-dm100"):
        LightQNet(variant="dm100", model_path=str(MODELS / "lightqnet-dm050.pb"))
    with pytest.raises(AssetError, match="not found"):
        LightQNet(model_path=str(tmp_path / "missing.pb"))


@needs_shared
@pytest.mark.parametrize("variant", ["dm100", "dm050", "dm025"])
def test_onnx_conversion_matches_tensorflow_on_the_frozen_graph(variant, lfw_faces, tmp_path):
    """The authors' runtime is TensorFlow: run the same frozen graph with TF (GraphDef
    import, ``confidence_st:0`` fed ``input:0``) on the estimator's own network input
    (``prepare`` of the LFW faces plus 3 blurred copies, for a spread of scores) and compare
    with the project's path: the graph converted to ONNX by our own converter
    (``colourfr models import-lightqnet``), run by onnxruntime (``predict``).

    Observed (tensorflow-cpu 2.21.0, onnxruntime 1.32, CPU): max abs diff about 1e-7, i.e.
    float32 round-off. Tolerance 1e-5. For scale: feeding TF the faces with H and W
    swapped moves scores by about 0.5, BGR instead of RGB by 0.01-0.02."""
    tf = pytest.importorskip("tensorflow")
    from colourfr.cli import main as cli_main

    images, faces = lfw_faces
    images = images + [cv2.GaussianBlur(image, (0, 0), 4.0) for image in images[:3]]
    faces = faces + faces[:3]
    graph_file = MODELS / f"lightqnet-{variant}.pb"
    onnx_file = tmp_path / f"lightqnet-{variant}.onnx"
    assert cli_main(["models", "import-lightqnet", str(graph_file), str(onnx_file)]) == 0
    model = LightQNet(variant=variant, model_path=str(onnx_file))
    batch = np.stack([model.prepare(image, face) for image, face in zip(images, faces)])
    assert batch.dtype == np.uint8 and batch.shape[1:] == (96, 96, 3)
    nhwc = normalise(batch)

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(graph_file.read_bytes())
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    assert graph.get_tensor_by_name("input:0").shape.as_list() == [None, 96, 96, 3]
    with tf.compat.v1.Session(graph=graph) as session:
        reference = session.run("confidence_st:0", feed_dict={"input:0": nhwc}).reshape(-1)
        swapped = session.run(
            "confidence_st:0",
            feed_dict={"input:0": np.ascontiguousarray(nhwc.transpose(0, 2, 1, 3))},
        ).reshape(-1)

    ours = model.predict(batch)
    assert reference.shape == ours.shape == (len(images),)
    assert np.all((reference > 0) & (reference < 1))
    np.testing.assert_allclose(ours, reference.astype(np.float64), rtol=0, atol=1e-5)
    # The comparison is informative: scores spread (blur lowers them), and a layout
    # mix-up (H and W swapped) would be far outside the tolerance.
    assert np.ptp(reference) > 0.05
    assert np.abs(swapped - reference).max() > 0.01
    # The frozen graph given directly is converted in memory: the same scores.
    np.testing.assert_allclose(
        LightQNet(variant=variant, model_path=str(graph_file)).predict(batch), ours, atol=1e-7
    )


def test_unsupported_ops_and_foreign_files_are_named(tmp_path):
    from colourfr.quality.lightqnet_import import convert_lightqnet
    from colourfr.quality.tf_graph import GraphParseError

    def node(name: str, op: str, inputs: tuple[str, ...] = ()) -> bytes:
        def field(number: int, payload: bytes) -> bytes:
            return bytes([number << 3 | 2, len(payload)]) + payload

        body = field(1, name.encode()) + field(2, op.encode())
        for source in inputs:
            body += field(3, source.encode())
        return bytes([1 << 3 | 2, len(body)]) + body

    graph = tmp_path / "odd.pb"
    graph.write_bytes(
        node("input", "Placeholder") + node("x", "Softplus", ("input",))
        + node("confidence_st", "Identity", ("x",))
    )  # fmt: skip
    with pytest.raises(
        GraphParseError, match=r"odd.pb: x: TensorFlow op 'Softplus' is not supported"
    ):
        convert_lightqnet(graph)
    (tmp_path / "text.pb").write_text("not a graph at all")
    with pytest.raises(GraphParseError, match="text.pb"):
        convert_lightqnet(tmp_path / "text.pb")


def test_import_lightqnet_given_an_onnx_model_is_one_line(tmp_path, capsys):
    import onnx
    from onnx import TensorProto, helper

    from colourfr.cli import main as cli_main

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    )
    model = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph), model)
    assert cli_main(["models", "import-lightqnet", str(model), str(tmp_path / "out.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a frozen TensorFlow GraphDef" in err and str(model) in err
    assert not (tmp_path / "out.onnx").exists()
