"""Example figures, FTA changes and provenance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.metrics.acquisition import fta_changes
from colourfr.reporting.examples import fta_rescue_figure, variant_rows_figure
from colourfr.reporting.provenance import model_files, package_versions, provenance_markdown


def test_fta_changes_hand_worked() -> None:
    grey = pd.DataFrame(
        {"image_id": ["a", "b", "c", "d"], "failure": ["no_face", None, "no_face", None]}
    )
    colour = pd.DataFrame(
        {"image_id": ["a", "b", "c", "d"], "failure": [None, "no_face", "no_face", None]}
    )
    changes = fta_changes(grey, colour).set_index("image_id")["change"]
    assert changes.to_dict() == {"a": "rescued", "b": "lost", "c": "same", "d": "same"}


def _png(path: Path, value: int) -> str:
    Image.fromarray(np.full((20, 20, 3), value, np.uint8)).save(path)
    return str(path)


def test_figures_are_written(tmp_path: Path) -> None:
    index = {
        "original": pd.DataFrame({"image_id": ["a"], "path": [_png(tmp_path / "o.png", 200)]}),
        "grey": pd.DataFrame({"image_id": ["a"], "path": [_png(tmp_path / "g.png", 100)]}),
    }
    variant_rows_figure(["a", "missing"], index, tmp_path / "rows")
    assert (tmp_path / "rows.png").stat().st_size > 0 and (tmp_path / "rows.pdf").exists()
    changes = pd.DataFrame(
        {
            "image_id": ["a"],
            "grey_failure": ["no_face"],
            "colourised_failure": [None],
            "change": ["rescued"],
        }
    )
    fta_rescue_figure(changes, index["grey"], index["original"], "toy", tmp_path / "rescue")
    assert (tmp_path / "rescue.png").exists()
    fta_rescue_figure(changes.iloc[0:0], index["grey"], index["original"], "toy", tmp_path / "none")
    assert (tmp_path / "none.pdf").exists()


def test_provenance_lists_models_versions_and_config(tmp_path: Path, repo_root: Path) -> None:
    model = tmp_path / "models" / "net.onnx"
    model.parent.mkdir()
    model.write_bytes(b"abc")
    config = {"recognition": {"x": {"enabled": True, "params": {"model": str(model)}}}}
    files = model_files(config, [tmp_path / "models"])
    assert files == [model.resolve()]
    text = provenance_markdown(config, repo_root, files)
    assert (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" in text
    )  # sha256("abc")
    assert "snakemake" in package_versions() and "git commit" in text and "recognition:" in text


# --------------------------------------------------------------------------- Table 3 notes


def _scores(genuine: list[float], impostor: list[float]) -> pd.DataFrame:
    rows = [(f"g{i}", f"h{i}", True, s) for i, s in enumerate(genuine)]
    rows += [(f"i{i}", f"j{i}", False, s) for i, s in enumerate(impostor)]
    return pd.DataFrame(rows, columns=["reference", "probe", "genuine", "score"])


def _results_with_a_weak_threshold() -> pd.DataFrame:
    """10 impostors: FMR 10 % has a threshold (k = 1) without note; FMR 0.1 % is below
    1/FMR, so colourfr.metrics notes that its threshold is the smallest impostor score."""
    from colourfr.metrics.scenario_tables import evaluate_frames

    baseline = _scores([0.05, 0.15, 0.25], [v / 10 for v in range(1, 11)])
    grey = _scores([0.35, float("nan"), 0.15], [])
    return evaluate_frames({"s1": baseline, "s2": grey}, baseline, "s1.csv", [0.1, 0.001])


def test_number_notes_shares_one_footnote_per_distinct_note() -> None:
    from colourfr.reporting.performance import number_notes

    refs, notes = number_notes(["", "weak", "weak", "", "none left", "weak"])
    assert refs == [None, 1, 1, None, 2, 1] and notes == ["weak", "none left"]


def test_table3_keeps_the_metrics_notes_as_footnotes_in_markdown() -> None:
    from colourfr.reporting.performance import format_table, table3

    results = _results_with_a_weak_threshold()
    note = results.loc[results["fmr_target"] == 0.001, "note"].iloc[0]
    assert "1/FMR" in note and results.loc[results["fmr_target"] == 0.1, "note"].eq("").all()
    assert table3(results)["Note"].tolist() == ["", "", note, note]

    text = format_table(results, "md", {"s1": "orig/orig", "s2": "orig/grey"})
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    footer = text.split("\n\n", 1)[1]
    assert len(table_lines) == 2 + 4 and "Note" not in table_lines[0]  # no extra column
    threshold_column = table_lines[0].split("|").index(" Threshold ")
    cells = [line.split("|")[threshold_column].strip() for line in table_lines[2:]]
    assert cells == ["0.2000", "0.2000", "0.1000 [1]", "0.1000 [1]"]
    assert footer.strip() == f"[1] {note}"  # both 0.1 % rows share one footnote


def test_table3_notes_in_latex_are_escaped_footnotes() -> None:
    from colourfr.reporting.performance import format_table

    text = format_table(_results_with_a_weak_threshold(), "tex")
    body, footer = text.split(r"\end{tabular}")
    assert body.count(r"0.1000\textsuperscript{1} &") == 2
    assert r"0.2000\textsuperscript" not in body
    footnotes = [line for line in footer.splitlines() if line.startswith(r"\textsuperscript")]
    assert len(footnotes) == 1 and footnotes[0].endswith(r"\par")
    # "only 10 valid impostors (< 1/FMR = 1000): ..." -- "<" is not left to OT1's glyph.
    assert r"(\textless{} 1/FMR = 1000)" in footnotes[0]
    assert footer.index(r"\footnotesize") < footer.index(r"\end{table}")


def test_table_without_notes_has_no_footer() -> None:
    from colourfr.metrics.scenario_tables import evaluate_frames
    from colourfr.reporting.performance import format_table

    baseline = _scores([0.05, 0.15], [v / 10 for v in range(1, 11)])
    results = evaluate_frames({"s1": baseline}, baseline, "s1.csv", [0.1])
    assert format_table(results, "md").rstrip("\n").splitlines()[-1].startswith("| 10 |")
    assert r"\footnotesize" not in format_table(results, "tex")


# --------------------------------------------------------------------------- paired tests


def test_mcnemar_pairs_tests_the_requested_pairs_hand_worked() -> None:
    from colourfr.metrics.scenario_tables import ScoreFileError, mcnemar_pairs

    impostor = [v / 10 for v in range(1, 11)]  # FMR 10 %: k = 1, threshold t = 0.2
    baseline = _scores([0.05, 0.15, 0.25, 0.1], impostor)
    grey = _scores([0.35, float("nan"), 0.15, 0.3], [])  # rejects g0, g1 (FTA), g3
    colour = _scores([0.05, 0.15, 0.15, 0.3], [])  # rejects g3 only
    frames = {"s1": baseline, "s3": grey, "s4": colour}
    tests = mcnemar_pairs(frames, [("s3", "s4")], baseline, "s1.csv", [0.1])
    row = tests.iloc[0]
    assert (row["scenario_a"], row["scenario_b"], row["threshold"]) == ("s3", "s4", 0.2)
    # Discordant: g0 and g1 rejected only by grey; none only by colour -> p = 2 * 0.5^2.
    assert (row["only_a_rejects"], row["only_b_rejects"], row["both_reject"]) == (2, 0, 1)
    assert row["p_value"] == pytest.approx(0.5)
    with pytest.raises(ScoreFileError, match="s9"):
        mcnemar_pairs(frames, [("s3", "s9")], baseline, "s1.csv", [0.1])
