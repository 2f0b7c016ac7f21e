"""Score files: round trips and one clear error (file + line) per kind of bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colourfr.errors import ColourfrError
from colourfr.scores import (
    ScoreFileError,
    check_same_genuine_pairs,
    paired_genuine_scores,
    read_scores,
    require_genuine,
    require_impostors,
    subjects_of,
    write_scores,
)

HEADER = "reference,probe,genuine,score,failure\n"


def _csv(tmp_path: Path, body: str, header: str = HEADER, name: str = "s.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + body)
    return path


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reference": ["r1", "r1", "r2", "r2"],
            "probe": ["p1", "p2", "p1", "p2"],
            "genuine": [True, False, False, True],
            "score": [0.2, 0.9, 0.8, math.nan],
            "failure": [None, None, None, "probe:no_face"],
            "reference_subject": ["a", "a", "b", "b"],
            "probe_subject": ["a", "b", "a", "b"],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"scores{suffix}"
    write_scores(_frame(), path)
    back = read_scores(path)
    assert back["reference"].astype(str).tolist() == ["r1", "r1", "r2", "r2"]
    assert back["genuine"].tolist() == [True, False, False, True]
    np.testing.assert_array_equal(back["score"].to_numpy(), _frame()["score"].to_numpy())
    assert back["failure"].tolist() == [None, None, None, "probe:no_face"]
    assert back["probe_subject"].astype(str).tolist() == ["a", "b", "a", "b"]


def test_csv_accepts_textual_booleans_and_missing_failure_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b,TRUE,0.1\na,c,0,0.5\n", header="reference,probe,genuine,score\n")
    frame = read_scores(path)
    assert frame["genuine"].tolist() == [True, False]
    assert frame["failure"].tolist() == [None, None]


def test_missing_column_names_file_and_header_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b,0.1\n", header="reference,probe,score\n")
    with pytest.raises(ScoreFileError, match=r"s\.csv: line 1: missing column\(s\) genuine"):
        read_scores(path)


def test_non_numeric_score_names_the_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b,true,0.1,\na,c,false,abc,\n")
    with pytest.raises(ScoreFileError, match=r"s\.csv: line 3: score is not a number: 'abc'"):
        read_scores(path)


def test_non_boolean_genuine_names_the_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b,true,0.1,\na,c,false,0.2,\na,d,maybe,0.3,\n")
    with pytest.raises(ScoreFileError, match=r"line 4: genuine must be true/false"):
        read_scores(path)


def test_infinite_score_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ScoreFileError, match="line 2: score is infinite"):
        read_scores(_csv(tmp_path, "a,b,true,inf,\n"))


def test_missing_score_needs_a_failure_reason(tmp_path: Path) -> None:
    with pytest.raises(ScoreFileError, match="line 2: score is missing but no failure"):
        read_scores(_csv(tmp_path, "a,b,true,,\n"))


def test_failure_with_a_score_is_inconsistent(tmp_path: Path) -> None:
    with pytest.raises(ScoreFileError, match="line 2: failure 'probe:no_face' given with a score"):
        read_scores(_csv(tmp_path, "a,b,true,0.4,probe:no_face\n"))


def test_blank_line_keeps_line_numbers_honest(tmp_path: Path) -> None:
    with pytest.raises(ScoreFileError, match="line 3: reference is empty"):
        read_scores(_csv(tmp_path, "a,b,true,0.1,\n\na,c,true,0.2,\n"))


def test_duplicate_comparison(tmp_path: Path) -> None:
    with pytest.raises(ScoreFileError, match="line 3: duplicate comparison"):
        read_scores(_csv(tmp_path, "a,b,true,0.1,\na,b,true,0.2,\n"))


def test_empty_file_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ScoreFileError, match="no score rows"):
        read_scores(_csv(tmp_path, ""))
    empty = tmp_path / "zero.csv"
    empty.write_text("")
    with pytest.raises(ScoreFileError, match="zero.csv: cannot read"):
        read_scores(empty)
    other = tmp_path / "s.txt"
    other.write_text(HEADER)
    with pytest.raises(ScoreFileError, match="unknown score file type"):
        read_scores(other)
    with pytest.raises(ScoreFileError, match="not found"):
        read_scores(tmp_path / "absent.csv")


def test_parquet_errors_name_the_row(tmp_path: Path) -> None:
    frame = _frame()
    frame["genuine"] = ["yes", "no", "perhaps", "yes"]
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path)
    with pytest.raises(ScoreFileError, match=r"bad\.parquet: row 3: genuine must be"):
        read_scores(path)


def test_baseline_without_impostors(tmp_path: Path) -> None:
    frame = read_scores(_csv(tmp_path, "a,b,true,0.1,\n"))
    with pytest.raises(ScoreFileError, match="base.csv: baseline has no impostor rows"):
        require_impostors(frame, "base.csv")
    frame = read_scores(_csv(tmp_path, "a,b,true,0.1,\na,c,false,,probe:no_face\n"))
    with pytest.raises(ScoreFileError, match="none has a valid score"):
        require_impostors(frame, "base.csv")
    frame = read_scores(_csv(tmp_path, "a,c,false,0.3,\n"))
    with pytest.raises(ScoreFileError, match="no genuine rows"):
        require_genuine(frame, "x.csv")


def test_mismatched_files_name_file_and_line(tmp_path: Path) -> None:
    a_path = _csv(tmp_path, "a,b,true,0.1,\na,c,true,0.2,\nb,c,false,0.9,\n", name="a.csv")
    b_path = _csv(tmp_path, "a,b,true,0.3,\na,d,true,0.4,\n", name="b.csv")
    a, b = read_scores(a_path), read_scores(b_path)
    with pytest.raises(
        ScoreFileError, match=r"a\.csv: line 3: genuine pair reference='a' probe='c'"
    ):
        check_same_genuine_pairs(a, str(a_path), b, str(b_path))
    c_path = _csv(tmp_path, "a,b,true,0.3,\n", name="c.csv")
    c = read_scores(c_path)
    with pytest.raises(ScoreFileError, match=r"a\.csv: line 3: .* is not in .*c\.csv"):
        check_same_genuine_pairs(c, str(c_path), a, str(a_path))


def test_paired_scores_align_on_pairs_not_row_order(tmp_path: Path) -> None:
    a = read_scores(_csv(tmp_path, "a,b,true,0.1,\na,c,true,0.2,\n", name="a.csv"))
    b = read_scores(_csv(tmp_path, "a,c,true,0.7,\na,b,true,,probe:no_face\n", name="b.csv"))
    first, second, subjects = paired_genuine_scores(a, "a.csv", b, "b.csv")
    pairs = sorted(zip(first.tolist(), second.tolist()), key=lambda p: p[0])
    assert pairs[0][0] == 0.1 and math.isnan(pairs[0][1])
    assert pairs[1] == (0.2, 0.7)
    assert subjects.tolist() == ["a", "a"]  # no subject column: the reference id


def test_subject_columns_required_for_bootstrap(tmp_path: Path) -> None:
    frame = read_scores(_csv(tmp_path, "a,b,true,0.1,\n"))
    with pytest.raises(ScoreFileError, match="needs column"):
        subjects_of(frame, "s.csv", ["probe_subject"])


def test_errors_are_colourfr_errors() -> None:
    assert issubclass(ScoreFileError, ColourfrError)


def test_iter_scores_keeps_file_row_numbers(tmp_path: Path) -> None:
    from colourfr.scores import count_rows_upper_bound, iter_scores

    path = _csv(tmp_path, "".join(f"a,p{i},false,0.{i},\n" for i in range(1, 8)))
    batches = list(iter_scores(path, batch_rows=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert list(batches[1].index) == [3, 4, 5]
    assert count_rows_upper_bound(path) == 7
    parquet = tmp_path / "s.parquet"
    write_scores(read_scores(path), parquet)
    assert count_rows_upper_bound(parquet) == 7
    assert [len(b) for b in iter_scores(parquet, batch_rows=4)] == [4, 3]
    no_trailing_newline = tmp_path / "n.csv"
    no_trailing_newline.write_text(HEADER + "a,b,true,0.1,\na,c,true,0.2,")
    assert count_rows_upper_bound(no_trailing_newline) == 2
    with pytest.raises(ScoreFileError, match="no score rows"):
        list(iter_scores(_csv(tmp_path, "", name="empty.csv")))


@pytest.mark.parametrize(
    ("body", "line", "fields"),
    [("a,b,true,0.1,\na,c,false\n", 3, 3), ("a,b,true,0.1,,extra\n", 2, 6)],
)
def test_ragged_rows_are_one_clear_error(tmp_path: Path, body: str, line: int, fields: int) -> None:
    path = _csv(tmp_path, body)
    from colourfr.scores import iter_scores

    message = rf"s\.csv: line {line} has {fields} field\(s\), the header has 5"
    with pytest.raises(ScoreFileError, match=message):
        read_scores(path)
    with pytest.raises(ScoreFileError, match=message):
        list(iter_scores(path))
