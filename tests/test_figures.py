"""Figure files carry no run-dependent dates, so reruns write identical bytes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from colourfr.reporting.figures import normalise_pdf_dates, save_figure


def _figure() -> plt.Figure:
    figure, axis = plt.subplots()
    axis.plot([0, 1], [1, 0])
    return figure


def test_saved_figures_are_byte_identical_across_saves(tmp_path: Path) -> None:
    for suffix in ("pdf", "svg", "png"):
        first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        save_figure(_figure(), first)
        save_figure(_figure(), second)
        assert first.read_bytes() == second.read_bytes(), suffix
    assert b"CreationDate" not in (tmp_path / "a.pdf").read_bytes()


def test_foreign_pdf_dates_are_fixed_without_moving_offsets(tmp_path: Path) -> None:
    body = b"%PDF-1.5\n1 0 obj\n<< /CreationDate (D:20261201193032Z) /ModDate (D:20261201193032+01'00') >>\nendobj\n"
    path = tmp_path / "g.pdf"
    path.write_bytes(body)
    normalise_pdf_dates(path)
    fixed = path.read_bytes()
    assert len(fixed) == len(body)
    assert b"/CreationDate (D:19700101000000Z)" in fixed
    assert b"2026" not in fixed
