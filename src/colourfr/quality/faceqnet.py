"""FaceQnet v0 and v1 (Hernandez-Ortega et al., ICB 2019; v1: arXiv 2006.03298).

The published models are Keras 2 HDF5 files (a ResNet-50 regressing a quality score).
We load them with Keras 3 (``keras.models.load_model(path, compile=False,
safe_mode=True)``: inference needs no optimiser state, and safe mode refuses
serialised Python lambdas) and reproduce the authors' scoring script
(``src/FaceQNet_obtainscores_Keras.py``):

* input: the face crop -- the authors crop "just to the zone of the detected face"
  (MTCNN in their experiments); we crop to the recognition system's detector box,
  widened to whole pixels and clipped to the image;
* ``cv2.imread`` order, i.e. **BGR**; ``cv2.resize(..., (224, 224))`` (bilinear);
* ``float32`` values 0-255, **no** mean subtraction or scaling;
* ``model.predict`` in batches; each output clipped to [0, 1] (the script writes 0 for
  a negative and 1 for a value above 1).

The authors publish no sha256 for the weights; ``weights_sha256`` lets a user pin the
digest of a copy they trust (the resolved .h5 must then match it, else
:class:`~colourfr.errors.AssetError` naming the file, expected and actual digest).

TensorFlow is imported only when an estimator is built, so the registry and config
validation stay light; rules using FaceQnet declare ``envs/quality-tf.yaml``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from colourfr.assets import Asset, pinned_asset, resolve_asset, sha256_of
from colourfr.errors import AssetError, ColourfrError
from colourfr.quality.assets import FACEQNET_V0, FACEQNET_V1
from colourfr.quality.base import FaceQualityEstimator
from colourfr.quality.faces import crop_to_bbox
from colourfr.recognition.base import FaceRecord

INPUT_SIZE = 224
EXPECTED_INPUT_SHAPE = (None, INPUT_SIZE, INPUT_SIZE, 3)
EXPECTED_OUTPUT_SHAPE = (None, 1)

ASSETS_BY_VERSION: dict[str, Asset] = {"v0": FACEQNET_V0, "v1": FACEQNET_V1}


class FaceQnetModelError(ColourfrError):
    """The .h5 file is not a usable FaceQnet model (message names file and shapes)."""


def preprocess(image_rgb: np.ndarray, bbox: Sequence[float]) -> np.ndarray:
    """(224, 224, 3) float32 BGR crop in 0-255, exactly what the authors feed."""
    crop = crop_to_bbox(image_rgb, bbox)
    bgr = np.ascontiguousarray(crop[:, :, ::-1])
    resized = cv2.resize(bgr, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
    return resized.astype(np.float32)


def clip_scores(raw: np.ndarray) -> np.ndarray:
    """The authors' post-processing: below 0 -> 0, above 1 -> 1."""
    return np.clip(np.asarray(raw, dtype=np.float64).reshape(-1), 0.0, 1.0)


def _shape_tuple(shape: Any) -> tuple[Any, ...]:
    # Keras reports a list of shapes for multi-input models; keep it visible in errors.
    if isinstance(shape, list):
        return tuple(tuple(s) for s in shape)
    return tuple(shape)


def check_model_shapes(model: Any, path: str | os.PathLike[str], label: str) -> None:
    """Refuse a model that does not take 224x224x3 images and return one value."""
    input_shape = _shape_tuple(model.input_shape)
    output_shape = _shape_tuple(model.output_shape)
    if input_shape != EXPECTED_INPUT_SHAPE:
        raise FaceQnetModelError(
            f"{label}: {path} takes input shape {input_shape}, expected "
            f"{EXPECTED_INPUT_SHAPE} (224x224 BGR images); is this a FaceQnet .h5?"
        )
    if output_shape != EXPECTED_OUTPUT_SHAPE:
        raise FaceQnetModelError(
            f"{label}: {path} gives output shape {output_shape}, expected "
            f"{EXPECTED_OUTPUT_SHAPE} (one quality score per image)"
        )


def load_faceqnet_model(path: str | os.PathLike[str], label: str) -> Any:
    """Load a Keras 2 (legacy HDF5) or Keras 3 .h5 model for inference and check it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras  # heavy: imported only here

    try:
        model = keras.models.load_model(os.fspath(path), compile=False, safe_mode=True)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise FaceQnetModelError(f"{label}: cannot load {path} as a Keras model ({exc})") from exc
    check_model_shapes(model, path, label)
    return model


class FaceQnet(FaceQualityEstimator):
    """Quality estimator ``faceqnet-v0`` / ``faceqnet-v1``."""

    needs = "bbox"

    def __init__(
        self,
        version: Literal["v0", "v1"] = "v1",
        model_path: str | None = None,
        cache_dir: str = "resources/models/faceqnet",
        allow_download: bool = True,
        predict_batch_size: int = 32,
        weights_sha256: str | None = None,
    ) -> None:
        """``weights_sha256``: optional pin; the resolved .h5 (``model_path``, the cached
        copy or a download) must have this digest, else :class:`AssetError`."""
        if version not in ASSETS_BY_VERSION:
            raise AssetError(f"FaceQnet: unknown version {version!r}; choose v0 or v1")
        self.version = version
        self.name = f"faceqnet-{version}"
        self.asset = pinned_asset(ASSETS_BY_VERSION[version], weights_sha256)
        self.predict_batch_size = int(predict_batch_size)
        # verify_file (inside resolve_asset) checks the pin before Keras reads the file.
        self.model_path: Path = resolve_asset(self.asset, model_path, cache_dir, allow_download)
        self.model = load_faceqnet_model(self.model_path, self.name)
        # A pinned digest has just been verified; otherwise it is computed on demand.
        self._weights_sha256: str | None = self.asset.sha256

    def prepare(self, image: np.ndarray, face: FaceRecord) -> np.ndarray:
        """The detector box crop, BGR 224x224 float32 (``preprocess``)."""
        assert face.bbox is not None  # unusable_reason checked it
        return preprocess(image, face.bbox)

    def predict(self, prepared: list[np.ndarray] | np.ndarray) -> np.ndarray:
        """Clipped scores for (N, 224, 224, 3) float32 BGR crops."""
        if len(prepared) == 0:
            return np.empty(0, dtype=np.float64)
        raw = self.model.predict(
            np.stack(list(prepared)), batch_size=self.predict_batch_size, verbose=0
        )
        return clip_scores(raw)

    def provenance(self) -> dict[str, Any]:
        import keras

        if self._weights_sha256 is None:
            self._weights_sha256 = sha256_of(self.model_path)
        return {
            "estimator": self.name,
            "weights": os.fspath(self.model_path),
            "weights_sha256": self._weights_sha256,
            "weights_sha256_pinned": self.asset.sha256 is not None,
            "weights_url": self.asset.urls[0],
            "preprocessing": "detector bbox crop, BGR, cv2.resize 224x224 bilinear, float 0-255",
            "postprocessing": "clip to [0, 1]",
            "keras": keras.__version__,
        }


def faceqnet_v0(**params: Any) -> FaceQnet:
    """Registry factory for ``faceqnet-v0``."""
    return FaceQnet(version="v0", **params)


def faceqnet_v1(**params: Any) -> FaceQnet:
    """Registry factory for ``faceqnet-v1``."""
    return FaceQnet(version="v1", **params)
