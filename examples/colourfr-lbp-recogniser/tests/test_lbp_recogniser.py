"""Unit tests of the example recogniser (run with `pytest examples/colourfr-lbp-recogniser/tests`
once the package is importable)."""

from __future__ import annotations

import numpy as np
from colourfr_lbp.recogniser import N_BINS, UNIFORM_BIN, LBPHistogram, lbp_codes, lbp_histograms
from colourfr_lbp.specs import LBP_HISTOGRAM

from colourfr.registry import spec_problems


def test_spec_is_valid() -> None:
    assert spec_problems(LBP_HISTOGRAM, "lbp-histogram") == []


def test_lbp_code_hand_worked() -> None:
    # Neighbours clockwise from top-left: 9 >= 5 sets bits 0, 2, 4, 6.
    grey = np.array([[9, 1, 9], [1, 5, 1], [9, 1, 9]], np.uint8)
    assert lbp_codes(grey).tolist() == [[0b01010101]]
    # 0b01010101 changes bit 8 times: not uniform, the last bin.
    assert UNIFORM_BIN[0b01010101] == N_BINS - 1 and UNIFORM_BIN[0] == 0


def test_histograms_sum_to_one_per_cell() -> None:
    rng = np.random.default_rng(0)
    histograms = lbp_histograms(rng.integers(0, 256, (112, 112), dtype=np.uint8), grid=7)
    assert histograms.shape == (49 * N_BINS,)
    np.testing.assert_allclose(histograms.reshape(49, N_BINS).sum(axis=1), 1.0, rtol=1e-6)


def test_a_blank_image_is_no_face_and_a_nan_row() -> None:
    system = LBPHistogram()
    records, embeddings = system.process([np.full((120, 120, 3), 128, np.uint8)], ["blank"])
    assert records[0].failure == "no_face" and np.isnan(embeddings[0]).all()
    assert system.provenance()["system"] == "lbp-histogram"
