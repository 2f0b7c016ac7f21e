"""ArcFace through InsightFace: SCRFD detection, 5-point alignment, batched embedding.

The pipeline is the one ``insightface.app.FaceAnalysis`` runs (detector from
``model_zoo.get_model``, ``face_align.norm_crop`` to 112x112, ArcFace ONNX), rebuilt so
that a whole batch of aligned crops goes through the recogniser in one
``session.run`` instead of one run per face, with onnxruntime settings chosen for a
batch job:

* one detector session and one recogniser session per process;
* ``intra_op_num_threads`` from Snakemake's ``threads`` and thread spin-waiting
  switched off (``session.intra_op.allow_spinning = 0``): spinning threads burn the
  cores that the other jobs of a shared node need (docs/benchmarks.md, Recognition:
  12.8 -> 19.0 images/s on 2 cores with it off, 20.7 batched);
* ``CUDAExecutionProvider`` when onnxruntime-gpu is installed and ``device`` allows it.

Any ONNX pair that ``model_zoo.get_model`` routes to ``SCRFD`` (with keypoints) and
``ArcFaceONNX`` works: buffalo_l (det_10g.onnx + w600k_r50.onnx) and the offline
stand-in (SCRFD-2.5G-kps + the MobileFaceNet converted by ``colourfr models
import-mxnet``) share this code path.

Images come in as RGB (the project's convention); InsightFace's detector expects
OpenCV's BGR order, so the detector gets a channel-swapped view, while the recogniser
blob is built from the RGB crops directly (what ``ArcFaceONNX.get_feat`` produces from
BGR with ``swapRB=True``).

Nothing raises per image: an image the system cannot use gets a FaceRecord with a
failure reason (unreadable / too_small / no_face / extraction_failed) and a NaN row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from colourfr.assets import sha256_of
from colourfr.errors import AssetError, ConfigError
from colourfr.recognition.base import AlignedEmbedder, FaceRecord
from colourfr.recognition.selection import MIN_IMAGE_SIDE, SELECTION_RULES, detection_scale
from colourfr.resampling import opencv4_warp_affine

LOG = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")


def session_options(threads: int | None) -> Any:
    """onnxruntime SessionOptions for a batch job with ``threads`` cores.

    ``threads=None`` (or 0) leaves onnxruntime's default (all cores).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = int(threads)
    # One graph at a time: inter-op parallelism only adds idle threads here.
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


def execution_providers(device: str) -> list[str]:
    """Provider list for ``device`` (auto | cpu | cuda) given what onnxruntime offers."""
    import onnxruntime

    if device not in DEVICES:
        raise ConfigError(f"recognition params.device: {device!r} is not one of {DEVICES}")
    available = onnxruntime.get_available_providers()
    has_cuda = "CUDAExecutionProvider" in available
    if device == "cuda" and not has_cuda:
        raise ConfigError(
            "recognition params.device: 'cuda' requested but onnxruntime has no "
            "CUDAExecutionProvider (install onnxruntime-gpu, envs/recognition-gpu.yaml)"
        )
    if device in ("auto", "cuda") and has_cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def _check_model_file(path: str | Path, role: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise AssetError(
            f"insightface-arcface {role} model not found: {path} (run the fetch/import "
            "rule, or set params.detector / params.recogniser to local ONNX files)"
        )
    return path


def _rgb_crops_to_blob(crops: np.ndarray, mean: float, std: float) -> np.ndarray:
    """(N, H, W, 3) uint8 RGB -> (N, 3, H, W) float32, (x - mean) / std."""
    blob = (crops.astype(np.float32) - np.float32(mean)) / np.float32(std)
    return np.ascontiguousarray(blob.transpose(0, 3, 1, 2))


class InsightFaceArcFace(AlignedEmbedder):
    """RecognitionSystem: InsightFace detector + norm_crop + ArcFace ONNX, batched."""

    name = "insightface-arcface"

    def __init__(
        self,
        detector: str | None = None,
        recogniser: str | None = None,
        pack: str = "buffalo_l",
        det_size: Sequence[int] = (640, 640),
        det_thresh: float = 0.5,
        nms_thresh: float = 0.4,
        selection_rule: str = "largest_central",
        max_detect_side: int = 2048,
        min_image_side: int = MIN_IMAGE_SIDE,
        device: str = "auto",
        threads: int | None = None,
    ) -> None:
        from insightface.model_zoo import model_zoo

        if not detector or not recogniser:
            raise ConfigError(
                "insightface-arcface: params.detector and params.recogniser must be ONNX "
                f"paths (the workflow plan fills them from pack {pack!r}; when building the "
                "system directly, pass both)"
            )

        if selection_rule not in SELECTION_RULES:
            raise ConfigError(
                f"recognition params.selection_rule: {selection_rule!r} is not one of "
                f"{SELECTION_RULES}"
            )
        if len(det_size) != 2 or min(det_size) <= 0:
            raise ConfigError(
                f"recognition params.det_size: expected [width, height], got {det_size}"
            )
        self.pack = pack
        self.detector_path = _check_model_file(detector, "detector")
        self.recogniser_path = _check_model_file(recogniser, "recogniser")
        self.det_thresh = float(det_thresh)
        self.nms_thresh = float(nms_thresh)
        self.selection_rule = selection_rule
        self.max_detect_side = int(max_detect_side)
        self.min_image_side = int(min_image_side)
        self.threads = threads
        self.providers = execution_providers(device)

        # static_shape_sessions=False keeps SCRFD on its one session for every input
        # size (its default builds an extra fixed-shape session per det_size).
        self._detector = model_zoo.get_model(
            str(self.detector_path),
            providers=self.providers,
            sess_options=session_options(threads),
            static_shape_sessions=False,
        )
        if self._detector is None or getattr(self._detector, "taskname", "") != "detection":
            raise AssetError(f"{self.detector_path}: not an InsightFace detection model")
        if not getattr(self._detector, "use_kps", False):
            raise AssetError(
                f"{self.detector_path}: detector has no 5-point landmark outputs, "
                "which alignment needs (use a *_kps / det_10g SCRFD model)"
            )
        # det_size is always passed explicitly: insightface 2.x otherwise detects at
        # several sizes (128 and 640) and merges, which is not what 0.7.3 did in 2020.
        self._detector.prepare(
            0,
            input_size=tuple(int(v) for v in det_size),
            det_thresh=self.det_thresh,
            nms_thresh=self.nms_thresh,
        )
        self.det_size = tuple(int(v) for v in self._detector.input_size)
        if self.det_size != tuple(int(v) for v in det_size):
            LOG.warning(
                "%s has a fixed input of %s; det_size %s ignored",
                self.detector_path,
                self.det_size,
                tuple(det_size),
            )

        self._recogniser = model_zoo.get_model(
            str(self.recogniser_path),
            providers=self.providers,
            sess_options=session_options(threads),
        )
        if self._recogniser is None or getattr(self._recogniser, "taskname", "") != "recognition":
            raise AssetError(f"{self.recogniser_path}: not an InsightFace recognition model")
        self._recogniser.prepare(0)
        session = self._recogniser.session
        rec_input = session.get_inputs()[0]
        self.crop_size = int(self._recogniser.input_size[0])
        # A graph exported with a fixed batch of 1 cannot take a stacked batch.
        batch_dim = rec_input.shape[0]
        self.fixed_batch = batch_dim if isinstance(batch_dim, int) and batch_dim > 0 else None
        output_dim = session.get_outputs()[0].shape[-1]
        self.embedding_dim = int(output_dim) if isinstance(output_dim, int) else self._probe_dim()

    # -- internals ---------------------------------------------------------------------

    def _probe_dim(self) -> int:
        dummy = np.zeros((1, self.crop_size, self.crop_size, 3), dtype=np.uint8)
        return int(self.embed_faces(list(dummy)).shape[1])

    def _detect(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """All faces: (N, 5) boxes+score, (N, 5, 2) landmarks in original pixels."""
        scale = detection_scale(rgb.shape, self.max_detect_side)
        view = rgb
        if scale < 1.0:
            size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
            view = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        bgr = np.ascontiguousarray(view[:, :, ::-1])
        boxes, landmarks = self._detector.detect(bgr, max_num=0)
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 5).copy()
        landmarks = np.asarray(landmarks, dtype=np.float64).reshape(-1, 5, 2).copy()
        if scale < 1.0:
            boxes[:, :4] /= scale
            landmarks /= scale
        return boxes, landmarks, scale

    def embed_faces(self, faces: list[np.ndarray]) -> np.ndarray:
        crops = np.stack(faces)
        """(N, S, S, 3) uint8 RGB crops -> (N, D) raw embeddings, one run per batch."""
        blob = _rgb_crops_to_blob(crops, self._recogniser.input_mean, self._recogniser.input_std)
        session = self._recogniser.session
        input_name = self._recogniser.input_name
        outputs = self._recogniser.output_names
        if self.fixed_batch is None:
            return np.asarray(session.run(outputs, {input_name: blob})[0], dtype=np.float32)
        step = self.fixed_batch
        parts = []
        for start in range(0, len(blob), step):
            chunk = blob[start : start + step]
            pad = step - len(chunk)
            if pad:
                chunk = np.concatenate([chunk, np.zeros((pad, *chunk.shape[1:]), chunk.dtype)])
            parts.append(session.run(outputs, {input_name: chunk})[0][: step - pad])
        return np.concatenate(parts).astype(np.float32)

    def locate(self, image: Any, record: FaceRecord) -> np.ndarray | None:
        """Fill ``record`` with detection results; return the aligned crop or None."""
        if not self.screen(image, record):
            return None
        # An exception here is attributed by AlignedEmbedder.process: the image's where the
        # runtime provably works, else the machine's (the job fails).
        boxes, landmarks, scale = self._detect(image)
        if scale < 1.0:
            record.extra["detection_scale"] = round(scale, 6)
        chosen = self.choose(record, boxes, image.shape)
        if chosen is None:
            return None
        record.landmarks = landmarks[chosen].copy()
        from insightface.utils import face_align

        # norm_crop's own matrix, warped as OpenCV 4.x did (OpenCV 5 changed warpAffine).
        matrix = face_align.estimate_norm(landmarks[chosen], self.crop_size)
        return opencv4_warp_affine(image, matrix, (self.crop_size, self.crop_size))

    # -- RecognitionSystem -------------------------------------------------------------

    def provenance(self) -> dict[str, Any]:
        import insightface
        import onnxruntime

        return {
            "system": self.name,
            "pack": self.pack,
            "detector": {"path": str(self.detector_path), "sha256": sha256_of(self.detector_path)},
            "recogniser": {
                "path": str(self.recogniser_path),
                "sha256": sha256_of(self.recogniser_path),
                "input_mean": float(self._recogniser.input_mean),
                "input_std": float(self._recogniser.input_std),
            },
            "det_size": list(self.det_size),
            "det_thresh": self.det_thresh,
            "nms_thresh": self.nms_thresh,
            "selection_rule": self.selection_rule,
            "alignment": f"insightface.utils.face_align.norm_crop {self.crop_size}x{self.crop_size}",
            "max_detect_side": self.max_detect_side,
            "min_image_side": self.min_image_side,
            "embedding_dim": self.embedding_dim,
            "providers": list(self._recogniser.session.get_providers()),
            "threads": self.threads,
            "insightface": insightface.__version__,
            "onnxruntime": onnxruntime.__version__,
        }
