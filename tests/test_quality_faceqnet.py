"""FaceQnet through Keras with small test-built .h5 models.

The models are linear in the mean colour of the input, so the expected score of an
image is known by hand: they check the crop (detector box), the channel order (BGR),
the value range (0-255, no normalisation), the clipping to [0, 1] and batching. One
model is written by hand in the Keras 2 HDF5 layout the published FaceQnet files use.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")

from colourfr.quality.faceqnet import FaceQnet, FaceQnetModelError, clip_scores, preprocess
from colourfr.recognition.base import FaceRecord

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def write_keras2_h5(path: Path, kernel: list[float], bias: float, input_hw=(224, 224)) -> Path:
    """A Keras 2.2.4-format model: mean colour per channel -> Dense(1).

    Same file layout as the published FaceQnet .h5 (``model_config`` JSON with
    ``batch_input_shape`` and nested ``inbound_nodes``, ``model_weights`` groups with
    ``weight_names`` ending in ``:0``, ``keras_version`` 2.x)."""
    layers = [
        {
            "name": "input_1",
            "class_name": "InputLayer",
            "config": {
                "batch_input_shape": [None, input_hw[0], input_hw[1], 3],
                "dtype": "float32",
                "sparse": False,
                "name": "input_1",
            },
            "inbound_nodes": [],
        },
        {
            "name": "pool",
            "class_name": "GlobalAveragePooling2D",
            "config": {"name": "pool", "trainable": True, "data_format": "channels_last"},
            "inbound_nodes": [[["input_1", 0, 0, {}]]],
        },
        {
            "name": "dense_1",
            "class_name": "Dense",
            "config": {
                "name": "dense_1",
                "trainable": True,
                "units": 1,
                "activation": "linear",
                "use_bias": True,
                "kernel_initializer": {
                    "class_name": "VarianceScaling",
                    "config": {
                        "scale": 1.0,
                        "mode": "fan_avg",
                        "distribution": "uniform",
                        "seed": None,
                    },
                },
                "bias_initializer": {"class_name": "Zeros", "config": {}},
                "kernel_regularizer": None,
                "bias_regularizer": None,
                "activity_regularizer": None,
                "kernel_constraint": None,
                "bias_constraint": None,
            },
            "inbound_nodes": [[["pool", 0, 0, {}]]],
        },
    ]
    config = {
        "class_name": "Model",
        "config": {
            "name": "model_1",
            "layers": layers,
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["dense_1", 0, 0]],
        },
    }
    with h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = b"2.2.4"
        handle.attrs["backend"] = b"tensorflow"
        handle.attrs["model_config"] = json.dumps(config).encode()
        weights = handle.create_group("model_weights")
        weights.attrs["layer_names"] = [b"input_1", b"pool", b"dense_1"]
        weights.attrs["keras_version"] = b"2.2.4"
        weights.attrs["backend"] = b"tensorflow"
        for name in ("input_1", "pool"):
            weights.create_group(name).attrs["weight_names"] = []
        dense = weights.create_group("dense_1")
        dense.attrs["weight_names"] = [b"dense_1/kernel:0", b"dense_1/bias:0"]
        dense.create_dataset("dense_1/kernel:0", data=np.asarray(kernel, np.float32).reshape(3, 1))
        dense.create_dataset("dense_1/bias:0", data=np.asarray([bias], np.float32))
    return path


def write_keras3_h5(path: Path, kernel: list[float], bias: float, input_hw=(224, 224)) -> Path:
    """The same model saved by Keras 3 (which writes the legacy HDF5 format for .h5)."""
    import keras

    inputs = keras.Input((*input_hw, 3))
    outputs = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling2D()(inputs))
    model = keras.Model(inputs, outputs)
    model.layers[-1].set_weights(
        [np.asarray(kernel, np.float32).reshape(3, 1), np.asarray([bias], np.float32)]
    )
    model.save(path)
    return path


def face_image() -> tuple[np.ndarray, FaceRecord]:
    """RGB image whose detector box holds RGB (10, 20, 102) and the rest (250, 240, 255)."""
    image = np.empty((100, 120, 3), np.uint8)
    image[:] = (250, 240, 255)
    image[30:90, 20:70] = (10, 20, 102)
    return image, FaceRecord("img", bbox=(20.0, 30.0, 70.0, 90.0), landmarks=None)


@pytest.fixture(scope="module", params=["keras2", "keras3"])
def blue_model(request, tmp_path_factory) -> Path:
    """Score = mean of input channel 0 / 255: with BGR input, the blue channel."""
    path = tmp_path_factory.mktemp("h5") / f"{request.param}.h5"
    writer = write_keras2_h5 if request.param == "keras2" else write_keras3_h5
    return writer(path, [1 / 255, 0.0, 0.0], 0.0)


def test_preprocess_crops_to_box_in_bgr_0_255():
    image, face = face_image()
    batch = preprocess(image, face.bbox)
    assert batch.shape == (224, 224, 3) and batch.dtype == np.float32
    # Only the box, channels reversed, values untouched.
    assert np.all(batch == np.array([102, 20, 10], np.float32))


def test_score_is_blue_mean_of_the_crop(blue_model):
    estimator = FaceQnet(version="v1", model_path=str(blue_model))
    image, face = face_image()
    scores, reasons = estimator.score([image], [face])
    assert reasons == [None]
    assert scores[0] == pytest.approx(102 / 255, abs=1e-6)


def test_batched_equals_one_at_a_time(blue_model):
    estimator = FaceQnet(version="v0", model_path=str(blue_model), predict_batch_size=2)
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (60 + 5 * i, 80, 3), dtype=np.uint8) for i in range(5)]
    faces = [FaceRecord(f"i{i}", bbox=(5.5, 4.2, 70.0, 50.9)) for i in range(5)]
    batched, _ = estimator.score(images, faces)
    single = np.array([estimator.score([im], [f])[0][0] for im, f in zip(images, faces)])
    np.testing.assert_allclose(batched, single, rtol=1e-5)
    expected = [preprocess(im, f.bbox)[..., 0].mean() / 255 for im, f in zip(images, faces)]
    np.testing.assert_allclose(batched, expected, rtol=1e-4)


@pytest.mark.parametrize(
    ("kernel", "bias", "expected"), [([3 / 255, 0, 0], 0.0, 1.0), ([0, 0, 0], -0.5, 0.0)]
)
def test_output_is_clipped_to_unit_interval(tmp_path, kernel, bias, expected):
    path = write_keras2_h5(tmp_path / "m.h5", kernel, bias)
    image, face = face_image()
    scores, _ = FaceQnet(model_path=str(path)).score([image], [face])
    assert scores[0] == expected


def test_clip_scores():
    np.testing.assert_array_equal(clip_scores(np.array([[-0.2], [0.3], [1.7]])), [0.0, 0.3, 1.0])


def test_missing_face_gives_nan_with_reason(blue_model):
    estimator = FaceQnet(model_path=str(blue_model))
    image, face = face_image()
    no_face = FaceRecord("x", failure="no_face")
    no_box = FaceRecord("y", bbox=None)
    outside = FaceRecord("z", bbox=(500.0, 500.0, 600.0, 600.0))
    scores, reasons = estimator.score([image] * 4, [no_face, face, no_box, outside])
    assert reasons == ["no_face", None, "no_bbox", "empty_crop"]
    assert np.isnan(scores[[0, 2, 3]]).all() and np.isfinite(scores[1])


@pytest.mark.parametrize("writer", [write_keras2_h5, write_keras3_h5])
def test_wrong_input_shape_is_a_clear_error(tmp_path, writer):
    path = writer(tmp_path / "small.h5", [1, 0, 0], 0.0, input_hw=(112, 112))
    with pytest.raises(FaceQnetModelError) as info:
        FaceQnet(version="v0", model_path=str(path))
    message = str(info.value)
    assert "faceqnet-v0" in message and str(path) in message
    assert "(None, 224, 224, 3)" in message and "(None, 112, 112, 3)" in message


def test_a_model_carrying_python_code_is_refused(tmp_path):
    # safe mode: a Lambda layer's pickled Python function would run on load; a FaceQnet
    # .h5 from anywhere but the authors must not get to execute code.
    import keras

    inputs = keras.Input((224, 224, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    outputs = keras.layers.Dense(1)(keras.layers.Lambda(lambda x: x * 2.0)(pooled))
    path = tmp_path / "with_code.h5"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(
        FaceQnetModelError, match=r"faceqnet-v1: cannot load .*with_code\.h5.*Lambda"
    ):
        FaceQnet(model_path=str(path))


def test_not_a_model_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.h5"
    path.write_bytes(b"not hdf5")
    with pytest.raises(FaceQnetModelError, match="faceqnet-v1"):
        FaceQnet(model_path=str(path))


def test_weights_sha256_pin_is_checked(tmp_path):
    import hashlib

    from colourfr.config import validate_against
    from colourfr.errors import AssetError, ConfigError
    from colourfr.quality import REGISTRY

    path = write_keras2_h5(tmp_path / "FaceQnet_v1.h5", [1 / 255, 0.0, 0.0], 0.0)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    # Either case is accepted; the verified pin is what the provenance reports.
    pinned = FaceQnet(version="v1", model_path=str(path), weights_sha256=digest.upper())
    info = pinned.provenance()
    assert info["weights_sha256"] == digest and info["weights_sha256_pinned"] is True
    unpinned = FaceQnet(version="v1", model_path=str(path)).provenance()
    assert unpinned["weights_sha256"] == digest and unpinned["weights_sha256_pinned"] is False
    # A mismatch names the model, the file, the actual and the expected digest.
    with pytest.raises(
        AssetError, match=rf"faceqnet-v1: .*FaceQnet_v1\.h5 has sha256 {digest}, expected 0{{64}}"
    ):
        FaceQnet(version="v1", model_path=str(path), weights_sha256="0" * 64)
    # The pin is checked before Keras reads the file: a junk file fails on its digest.
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5")
    with pytest.raises(AssetError, match="junk.h5 has sha256"):
        FaceQnet(version="v0", model_path=str(junk), weights_sha256=digest)
    # The cached copy (model_path null) is held to the pin as well.
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "FaceQnet_v1.h5").write_bytes(path.read_bytes())
    assert (
        FaceQnet(
            version="v1", cache_dir=str(cache), allow_download=False, weights_sha256=digest
        ).model_path
        == cache / "FaceQnet_v1.h5"
    )
    with pytest.raises(AssetError, match=r"cache/FaceQnet_v1\.h5 has sha256"):
        FaceQnet(version="v1", cache_dir=str(cache), allow_download=False, weights_sha256="f" * 64)
    with pytest.raises(ConfigError, match="weights_sha256: expected 64 hex digits"):
        FaceQnet(version="v1", model_path=str(path), weights_sha256="abc")
    # Config schema: 64 hex digits or null; unset stays unset (the factory default is None).
    schema = REGISTRY.get("faceqnet-v1").params_schema
    for ok in (
        {"weights_sha256": digest},
        {"weights_sha256": digest.upper()},
        {"weights_sha256": None},
    ):
        assert validate_against(schema, dict(ok), "quality.fq.params") == []
    for bad in ("xyz", digest[:-1], digest + "0", "g" * 64):
        problems = validate_against(schema, {"weights_sha256": bad}, "quality.fq.params")
        assert problems and problems[0].startswith("quality.fq.params.weights_sha256"), bad


# ------------------------------------------------------------------ real weights (opt-in)

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "faceqnet_scores_lfw.txt"
LFW = Path(__file__).resolve().parents[2] / "shared" / "data" / "lfw" / "images_deepfunneled"
YUNET = Path(__file__).resolve().parents[2] / "shared" / "models" / "yunet" / "yunet_s_640_640.onnx"


@pytest.mark.slow
@pytest.mark.parametrize("version", ["v0", "v1"])
def test_real_weights_against_published_lfw_scores(version):
    """With COLOURFR_FACEQNET_V0 / _V1 pointing at the real .h5, our scores on LFW
    should track the scores the FaceQnet repository publishes for LFW face crops.

    Their crops come from MTCNN, ours from YuNet's box, so scores cannot match exactly:
    the check is rank agreement (Spearman >= 0.7) on the first face of 300 images."""
    weights = os.environ.get(f"COLOURFR_FACEQNET_{version.upper()}")
    if not weights:
        pytest.skip(f"set COLOURFR_FACEQNET_{version.upper()} to the FaceQnet {version} .h5")
    if not (REFERENCE.is_file() and LFW.is_dir() and YUNET.is_file()):
        pytest.skip("../shared reference scores, LFW or YuNet not available")
    import cv2
    from scipy.stats import spearmanr

    from colourfr.quality.reference import read_faceqnet_reference

    reference = read_faceqnet_reference(REFERENCE)
    reference = reference[reference["face_index"] == 0].head(300)
    estimator = FaceQnet(version=version, model_path=weights)
    detector = cv2.FaceDetectorYN.create(str(YUNET), "", (250, 250))
    ours, theirs = [], []
    for row in reference.itertuples():
        bgr = cv2.imread(str(LFW / row.person / row.file))
        if bgr is None:
            continue
        detector.setInputSize((bgr.shape[1], bgr.shape[0]))
        _, found = detector.detect(bgr)
        if found is None:
            continue
        x, y, w, h = found[0][:4]
        face = FaceRecord(row.file, bbox=(float(x), float(y), float(x + w), float(y + h)))
        ours.append(estimator.score([bgr[:, :, ::-1].copy()], [face])[0][0])
        theirs.append(row.score)
    assert len(ours) > 250
    rho = spearmanr(ours, theirs).statistic
    print(
        f"FaceQnet {version}: Spearman {rho:.3f}, mean |diff| {np.mean(np.abs(np.subtract(ours, theirs))):.3f}"
    )
    assert rho >= 0.7


# ------------------------------------------------------------ published reference scores


def test_published_lfw_reference_scores_parse_and_name_real_images():
    """The parser the real-weights check relies on reads every line of the published file,
    and every entry names an LFW image that exists (so the check compares like with like)."""
    if not (REFERENCE.is_file() and LFW.is_dir()):
        pytest.skip("../shared reference scores or LFW not available")
    from colourfr.quality.reference import read_faceqnet_reference

    reference = read_faceqnet_reference(REFERENCE)
    data_lines = sum(
        1 for line in REFERENCE.read_text(encoding="utf-8").splitlines()[1:] if line.strip()
    )
    assert len(reference) == data_lines > 15000
    assert reference["score"].between(0.0, 1.0).all()
    first_faces = reference[reference["face_index"] == 0]
    assert first_faces["file"].is_unique
    # MTCNN found no face in a few dozen of the 13,233 images; extra faces carry k >= 1
    assert 13000 < len(first_faces) <= 13233
    for row in reference.sample(200, random_state=0).itertuples():
        assert (LFW / row.person / row.file).is_file(), row


def test_reference_scores_bad_lines_name_file_and_line(tmp_path):
    from colourfr.quality.reference import ReferenceFileError, read_faceqnet_reference

    bad_header = tmp_path / "header.txt"
    bad_header.write_text("image,score\n")
    with pytest.raises(ReferenceFileError, match=r"header\.txt: line 1"):
        read_faceqnet_reference(bad_header)
    bad_line = tmp_path / "scores.txt"
    bad_line.write_text("img;score\nA\\A_0001.jpg_0.jpg;[0.5]\nA\\A_0002.jpg_0.jpg;0.4\n")
    with pytest.raises(ReferenceFileError, match=r"scores\.txt: line 3"):
        read_faceqnet_reference(bad_line)
    good = tmp_path / "good.txt"
    good.write_text("img;score\nA_B\\A_B_0001.jpg_1.jpg;[ 0.25 ]\n")
    row = read_faceqnet_reference(good).iloc[0]
    assert (row.person, row.file, row.face_index, row.score) == ("A_B", "A_B_0001.jpg", 1, 0.25)
