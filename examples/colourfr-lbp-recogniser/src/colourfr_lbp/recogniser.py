"""The ``lbp-histogram`` recognition system.

Ahonen, Hadid and Pietikainen (ECCV 2004, TPAMI 2006): the face is divided into a grid of
cells, each described by the histogram of its uniform local binary patterns LBP(8,1)
(58 uniform patterns and one bin for all others); the face's descriptor is the
concatenation. Rows are square-rooted (the Hellinger map) so that the cosine similarity
colourfr computes on L2-normalised rows behaves like a histogram distance.

The face is dlib's HOG detection, cropped to its box and resized to 112x112 grey: no
landmarks, so the records carry a box only.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from colourfr.recognition.base import FAILURE_NO_FACE, AlignedEmbedder, FaceRecord
from colourfr.recognition.selection import choose_face

FACE_SIDE = 112
#: Clockwise neighbours of LBP(8, 1), starting top-left.
NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))


def _uniform_lookup() -> np.ndarray:
    """Code (0-255) -> bin: 0-57 for the 58 uniform patterns, 58 for the rest."""
    lookup = np.full(256, 58, dtype=np.int64)
    uniform = 0
    for code in range(256):
        bits = [(code >> i) & 1 for i in range(8)]
        if sum(bits[i] != bits[(i + 1) % 8] for i in range(8)) <= 2:
            lookup[code] = uniform
            uniform += 1
    assert uniform == 58
    return lookup


UNIFORM_BIN = _uniform_lookup()
N_BINS = 59


def lbp_codes(grey: np.ndarray) -> np.ndarray:
    """LBP(8, 1) codes of the interior pixels of a 2-D uint8 image."""
    centre = grey[1:-1, 1:-1].astype(np.int16)
    codes = np.zeros(centre.shape, dtype=np.uint8)
    height, width = grey.shape
    for bit, (dy, dx) in enumerate(NEIGHBOURS):
        neighbour = grey[1 + dy : height - 1 + dy, 1 + dx : width - 1 + dx].astype(np.int16)
        codes |= (neighbour >= centre).astype(np.uint8) << bit
    return codes


def lbp_histograms(grey: np.ndarray, grid: int) -> np.ndarray:
    """The concatenated uniform-LBP histograms (each normalised to sum 1) of a grid."""
    bins = UNIFORM_BIN[lbp_codes(grey)]
    rows = np.array_split(np.arange(bins.shape[0]), grid)
    cols = np.array_split(np.arange(bins.shape[1]), grid)
    cells = []
    for r in rows:
        for c in cols:
            counts = np.bincount(bins[np.ix_(r, c)].ravel(), minlength=N_BINS)
            cells.append(counts / max(1, counts.sum()))
    return np.concatenate(cells).astype(np.float32)


class LBPHistogram(AlignedEmbedder):
    """Detect with dlib's HOG detector, crop, and describe with LBP histograms."""

    name = "lbp-histogram"

    def __init__(self, grid: int = 7, upsample: int = 1) -> None:
        import dlib

        self.grid = int(grid)
        self.upsample = int(upsample)
        self.embedding_dim = self.grid * self.grid * N_BINS
        self._detector = dlib.get_frontal_face_detector()

    def locate(self, image: Any, record: FaceRecord) -> np.ndarray | None:
        rgb = np.ascontiguousarray(image)
        boxes = self._detector(rgb, self.upsample)
        record.n_faces = len(boxes)
        array = np.array([[b.left(), b.top(), b.right(), b.bottom()] for b in boxes], float)
        chosen = choose_face(array.reshape(-1, 4), rgb.shape, self.selection_rule)
        if chosen is None:
            record.failure = FAILURE_NO_FACE
            return None
        record.chosen_face = chosen
        height, width = rgb.shape[:2]
        x1, y1, x2, y2 = array[chosen]
        x1, y1 = max(0, int(x1)), max(0, int(y1))
        x2, y2 = min(width, int(x2)), min(height, int(y2))
        record.bbox = (float(x1), float(y1), float(x2), float(y2))
        grey = cv2.cvtColor(rgb[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY)
        return cv2.resize(grey, (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_AREA)

    def embed_faces(self, faces: list[np.ndarray]) -> np.ndarray:
        return np.sqrt(np.stack([lbp_histograms(face, self.grid) for face in faces]))

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "grid": self.grid, "upsample": self.upsample}
