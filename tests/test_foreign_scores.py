"""bob and pyeer score files in, bob out, and `colourfr metrics` --label/--plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colourfr.cli import main as cli_main
from colourfr.errors import ColourfrError
from colourfr.foreign_scores import read_bob, read_pyeer, write_bob
from colourfr.metrics import equal_error_rate
from colourfr.scores import read_scores, write_scores

BOB_4 = """\
# claimed real probe score
alice alice alice_2 0.90
alice bob bob_2 0.20
bob bob bob_2 0.80
bob alice alice_2 0.35
"""


def test_bob_four_and_five_columns_read_as_negated_similarities(tmp_path: Path) -> None:
    four = tmp_path / "dev.4col"
    four.write_text(BOB_4)
    frame = read_bob(four)
    assert frame["genuine"].tolist() == [True, False, True, False]
    assert frame["score"].tolist() == [-0.90, -0.20, -0.80, -0.35]
    assert frame["reference"].tolist() == ["alice", "alice", "bob", "bob"]
    assert frame["probe_subject"].tolist() == ["alice", "bob", "bob", "alice"]
    five = tmp_path / "dev.5col"
    five.write_text("alice alice_1 alice alice_2 0.9\nalice alice_1 bob bob_2 0.2\n")
    frame = read_bob(five, kind="dissimilarity")
    assert frame["reference"].tolist() == ["alice_1", "alice_1"]
    assert frame["score"].tolist() == [0.9, 0.2]


def test_bob_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("a a a_1 0.5\na b b_1\n")
    with pytest.raises(ColourfrError, match=r"bad.txt: line 2 has 3 fields"):
        read_bob(bad)
    bad.write_text("a a a_1 high\n")
    with pytest.raises(ColourfrError, match=r"bad.txt: line 1: score 'high' is not a number"):
        read_bob(bad)


def test_pyeer_files_and_bob_export_round_trip(tmp_path: Path) -> None:
    (tmp_path / "gen.txt").write_text("0.9\n0.8\nnan\n")
    (tmp_path / "imp.txt").write_text("0.1\n0.85\n")
    frame = read_pyeer(tmp_path / "gen.txt", tmp_path / "imp.txt")
    assert frame["genuine"].tolist() == [True, True, True, False, False]
    assert frame["failure"].tolist()[2] == "foreign_nan"

    ours = read_bob(_write(tmp_path / "in.4col", BOB_4))
    write_scores(ours, tmp_path / "scores.csv")
    left_out = write_bob(read_scores(tmp_path / "scores.csv"), tmp_path / "out.4col")
    assert left_out == 0
    again = read_bob(tmp_path / "out.4col")
    pd.testing.assert_series_equal(again["score"], ours["score"])
    assert again["genuine"].tolist() == ours["genuine"].tolist()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_metrics_cli_reads_bob_labels_inputs_and_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(0)
    lines_a, lines_b = [], []
    for person in range(40):
        for other in range(40):
            genuine = person == other
            base = rng.normal(0.7 if genuine else 0.2, 0.1)
            lines_a.append(f"p{person} p{other} p{other}_2 {base:.6f}")
            lines_b.append(f"p{person} p{other} p{other}_2 {base - (0.15 if genuine else 0):.6f}")
    first = _write(tmp_path / "colour.txt", "\n".join(lines_a) + "\n")
    second = _write(tmp_path / "grey.txt", "\n".join(lines_b) + "\n")
    plots = tmp_path / "plots"
    code = cli_main(
        [
            "metrics",
            str(first),
            str(second),
            "--baseline",
            str(first),
            "--label",
            f"colour={first}",
            "--label",
            f"grey={second}",
            "--fmr",
            "0.01",
            "--plot",
            str(plots),
        ]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["file"] for row in rows] == ["colour", "grey"]
    genuine = -np.array([float(l.split()[-1]) for l in lines_a if l.split()[0] == l.split()[1]])
    impostor = -np.array([float(l.split()[-1]) for l in lines_a if l.split()[0] != l.split()[1]])
    assert rows[0]["eer"] == pytest.approx(equal_error_rate(genuine, impostor))
    assert rows[1]["fnmr"] > rows[0]["fnmr"]  # the shifted genuine scores fail more often
    for name in ("det", "frr_threshold", "score_distributions"):
        assert (plots / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        assert (plots / f"{name}.pdf").read_bytes().startswith(b"%PDF")

    assert cli_main(["metrics", str(first), "--baseline", str(first), "--format", "md"]) == 0
    assert "EER (%)" in capsys.readouterr().out
    code = cli_main(["metrics", str(first), "--baseline", str(first), "--label", "x=o.txt"])
    assert code != 0
    assert "o.txt is not one of the score files given" in capsys.readouterr().err


def test_scores_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = read_bob(_write(tmp_path / "in.4col", BOB_4))
    ours.loc[1, ["score", "failure"]] = [np.nan, "no_face"]
    write_scores(ours, tmp_path / "scores.parquet")
    assert (
        cli_main(["scores", "export", str(tmp_path / "scores.parquet"), str(tmp_path / "o.txt")])
        == 0
    )
    assert "1 failed to acquire and are left out" in capsys.readouterr().err
    assert len((tmp_path / "o.txt").read_text().splitlines()) == 3


PYEER_FILES = {
    "plain": "0.9\n0.125\n-3e-2\n",
    "blank lines and spaces": "\n  0.5 \n\n\t0.25\n",
    "crlf": "0.5\r\n0.75\r\n",
    "nan and infinities": "nan\nNaN\ninf\n-Infinity\n",
    "a comment line": "# genuine scores\n0.5\n",
    "underscores": "1_000.5\n",
    "many digits": "0.1000000000000000055511151231257827\n0.30000000000000004\n",
}


@pytest.mark.parametrize("name", sorted(PYEER_FILES))
def test_pyeer_scores_read_in_c_equal_the_line_by_line_reading(tmp_path: Path, name: str) -> None:
    from colourfr.foreign_scores import _pyeer_scores, _pyeer_scores_by_line

    path = _write(tmp_path / "scores.txt", PYEER_FILES[name])
    fast, by_line = _pyeer_scores(path), _pyeer_scores_by_line(path)
    np.testing.assert_array_equal(fast, by_line)  # bit for bit, NaN where NaN
    assert fast.dtype == np.float64


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.5\n0.5 0.6\n", r"scores.txt: line 2: expected one score per line"),
        ("0.5\nhigh\n", r"scores.txt: line 2: score 'high' is not a number"),
        ("\n# only a comment\n", r"scores.txt: no scores"),
        ("", r"scores.txt: no scores"),
    ],
)
def test_pyeer_errors_name_the_line_whichever_reader_meets_them(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path / "scores.txt", text)
    good = _write(tmp_path / "good.txt", "0.1\n")
    with pytest.raises(ColourfrError, match=message):
        read_pyeer(path, good)


def test_pyeer_ids_are_synthetic_and_pair_by_position(tmp_path: Path) -> None:
    gen = _write(tmp_path / "gen.txt", "0.9\n0.8\n")
    imp = _write(tmp_path / "imp.txt", "0.1\n")
    frame = read_pyeer(gen, imp)
    assert frame["reference"].astype(str).tolist() == ["genuine-0", "genuine-1", "impostor-0"]
    assert frame["probe"].astype(str).tolist() == frame["reference"].astype(str).tolist()
    assert frame["score"].tolist() == [-0.9, -0.8, -0.1]
    assert frame["failure"].isna().all()
