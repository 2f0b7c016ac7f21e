"""LightQNet face image quality (Chen, Yi, Lv; IEEE Signal Processing Letters 2021).

MIT-licensed frozen TensorFlow graphs from KaenChan/lightqnet, converted to ONNX by the
project's own converter (:mod:`colourfr.quality.lightqnet_import`; the workflow does it
once, as an artifact rule) and run with onnxruntime: no TensorFlow, and no OpenCV
TensorFlow importer (OpenCV 5.1 removed it). The estimator is the one that works fully
offline.

Preprocessing, as the authors' demo (``main.py`` -> ``face_normalizer.py`` ->
``tf_face_quality_model.py``):

1. similarity transform (least squares, as ``skimage.transform.SimilarityTransform``)
   of three points -- left eye, right eye and the mouth centre (mean of the two mouth
   corners) -- onto the template (34.19, 46.16), (65.65, 45.98), (50.12, 82.40) given in
   percent of the output side, warped to 160x160 (the demo's default ``image_size``);
2. ``cv2.resize`` to 96x96 (bilinear);
3. ``(x - 128) / 128`` in float32; NHWC input tensor ``input``, output ``confidence_st``
   (an Identity of ``UncertaintyModule/Sigmoid``, so the score lies in (0, 1)).

Channel order: the training code (KaenChan/lightqnet-train, ``utils/imageprocessing``)
reads images as RGB, while the demo feeds OpenCV's BGR array. We follow training and
feed RGB; ``channel_order="bgr"`` reproduces the demo instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from colourfr.assets import Asset, resolve_asset, sha256_of
from colourfr.errors import AssetError
from colourfr.quality.assets import LIGHTQNET
from colourfr.quality.base import FaceQualityEstimator, UnusableFace
from colourfr.quality.faces import (
    REASON_ALIGNMENT_FAILED,
    similarity_transform,
    warp,
)
from colourfr.recognition.base import FaceRecord

#: Template of the authors' aligner, in percent of the aligned image's side.
TEMPLATE_PERCENT = np.array([[34.19, 46.16], [65.65, 45.98], [50.12, 82.40]], dtype=np.float64)
ALIGN_SIZE = 160
INPUT_SIZE = 96
INPUT_TENSOR = "input"
OUTPUT_TENSOR = "confidence_st"


def alignment_points(landmarks: np.ndarray) -> np.ndarray:
    """The three points the template fits: both eyes and the mouth centre."""
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    mouth_centre = points[3:5].mean(axis=0)
    return np.stack([points[0], points[1], mouth_centre])


def align_face(rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(96, 96, 3) uint8 aligned face, channel order as given."""
    target = TEMPLATE_PERCENT / 100.0 * ALIGN_SIZE
    matrix = similarity_transform(alignment_points(landmarks), target)
    aligned = warp(rgb, matrix, (ALIGN_SIZE, ALIGN_SIZE))
    return cv2.resize(aligned, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)


def normalise(faces: np.ndarray) -> np.ndarray:
    """(N, 96, 96, 3) uint8 -> float32 ``(x - 128) / 128``, NHWC as the graph's input."""
    return np.ascontiguousarray((np.asarray(faces, dtype=np.float32) - 128.0) / 128.0)


def _onnx_bytes(path: Path) -> bytes:
    """An ONNX model as bytes: the file itself, or the frozen graph converted."""
    if path.suffix.lower() == ".pb":
        from colourfr.quality.lightqnet_import import convert_lightqnet

        return bytes(convert_lightqnet(path).SerializeToString())
    return path.read_bytes()


class LightQNet(FaceQualityEstimator):
    """Quality estimator ``lightqnet``: one aligned face per image, batched forward."""

    name = "lightqnet"
    needs = "landmarks"

    def __init__(
        self,
        variant: Literal["dm100", "dm050", "dm025"] = "dm100",
        model_path: str | None = None,
        cache_dir: str = "resources/models/lightqnet",
        allow_download: bool = True,
        channel_order: Literal["rgb", "bgr"] = "rgb",
        threads: int | None = None,
    ) -> None:
        if variant not in LIGHTQNET:
            raise AssetError(
                f"quality lightqnet: unknown variant {variant!r}; choose one of {sorted(LIGHTQNET)}"
            )
        if channel_order not in ("rgb", "bgr"):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
        self.variant = variant
        self.channel_order = channel_order
        self.asset: Asset = LIGHTQNET[variant]
        if model_path is not None and Path(model_path).suffix.lower() == ".onnx":
            # The workflow's conversion of the frozen graph (import_lightqnet_<variant>).
            self.model_path = Path(model_path)
            if not self.model_path.is_file():
                raise AssetError(f"quality lightqnet: model not found: {self.model_path}")
        else:
            self.model_path = resolve_asset(self.asset, model_path, cache_dir, allow_download)
            self._check_graph(self.model_path)
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = int(threads)
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(
                _onnx_bytes(self.model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own unrelated types
            raise AssetError(f"{self.model_path}: not a usable LightQNet model ({exc})") from exc
        names = [i.name for i in self.session.get_inputs()]
        if INPUT_TENSOR not in names:
            raise AssetError(f"{self.model_path}: no input named {INPUT_TENSOR!r} (found {names})")

    @staticmethod
    def _check_graph(path: Path) -> None:
        """The frozen graph must name the tensors the authors' code uses."""
        data = Path(path).read_bytes()
        for tensor in (INPUT_TENSOR, OUTPUT_TENSOR):
            if tensor.encode() not in data:
                raise AssetError(f"{path}: not a LightQNet graph (no tensor named {tensor!r})")

    def prepare(self, image: np.ndarray, face: FaceRecord) -> np.ndarray:
        """The network input for one face (96x96 uint8, in the configured channel order)."""
        try:
            aligned = align_face(image, np.asarray(face.landmarks))
        except ValueError:  # degenerate landmarks (e.g. all at one point)
            raise UnusableFace(REASON_ALIGNMENT_FAILED) from None
        return aligned[:, :, ::-1] if self.channel_order == "bgr" else aligned

    def predict(self, prepared: list[np.ndarray] | np.ndarray) -> np.ndarray:
        """Scores for (N, 96, 96, 3) uint8 aligned faces."""
        if len(prepared) == 0:
            return np.empty(0, dtype=np.float64)
        faces = np.stack(list(prepared))
        (output,) = self.session.run(None, {INPUT_TENSOR: normalise(faces)})
        return np.asarray(output, dtype=np.float64).reshape(len(faces))

    def provenance(self) -> dict[str, Any]:
        return {
            "estimator": self.name,
            "variant": self.variant,
            "weights": os.fspath(self.model_path),
            "weights_sha256": sha256_of(self.model_path),
            "channel_order": self.channel_order,
            "alignment": f"3-point similarity to {TEMPLATE_PERCENT.tolist()} % of {ALIGN_SIZE}px, "
            f"resized to {INPUT_SIZE}px",
            "normalisation": "(x-128)/128",
            "runtime": f"onnxruntime {__import__('onnxruntime').__version__} (graph converted "
            "by colourfr.quality.lightqnet_import)",
        }
