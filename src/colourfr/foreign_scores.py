"""Score files of other toolkits, read into (and written from) this project's score frame.

- **bob** (bob.bio / bob.measure): whitespace-separated text, one comparison per line.
  4 columns: ``claimed_id real_id test_label score``; 5 columns:
  ``claimed_id model_label real_id test_label score``. A comparison is genuine when
  ``claimed_id == real_id``. Scores are similarities (higher = more alike).
- **pyeer**: two text files, one score per line: the genuine scores and the impostor
  scores, similarities by default. There are no identities: comparisons get synthetic ids
  (``genuine-<n>``, ``impostor-<n>``), so pairing across files is by position.

This project's scores are dissimilarities (accept iff score < threshold). A similarity is
read as its negation, so every threshold it reports is the negated similarity threshold
(accept iff similarity > -threshold); ``kind="dissimilarity"`` reads the values as they are.
Lines starting with ``#`` and blank lines are skipped. Failures to acquire cannot be
expressed in either format; a ``nan`` score is read as one (reason ``foreign_nan``).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colourfr.io.atomic import atomic_write
from colourfr.scores import ScoreFileError, validate_scores

SCORE_KINDS = ("similarity", "dissimilarity")
NAN_FAILURE = "foreign_nan"


def _sign(kind: str) -> float:
    if kind not in SCORE_KINDS:
        raise ScoreFileError(f"score kind must be one of {SCORE_KINDS}, got {kind!r}")
    return -1.0 if kind == "similarity" else 1.0


def _number(text: str, path: Path, line: int) -> float:
    try:
        return float(text)
    except ValueError:
        raise ScoreFileError(f"{path}: line {line}: score {text!r} is not a number") from None


def _data_lines(path: Path) -> list[tuple[int, list[str]]]:
    if not path.is_file():
        raise ScoreFileError(f"{path}: score file not found")
    rows = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                rows.append((number, stripped.split()))
    if not rows:
        raise ScoreFileError(f"{path}: no scores")
    return rows


def _pyeer_scores_by_line(path: Path) -> np.ndarray:
    """The scores of a pyeer file read line by line (messages name the line)."""
    rows = _data_lines(path)
    for number, fields in rows:
        if len(fields) != 1:
            raise ScoreFileError(f"{path}: line {number}: expected one score per line")
    return np.array([_number(fields[0], path, number) for number, fields in rows])


def _pyeer_scores(path: Path) -> np.ndarray:
    """The scores of a pyeer file, parsed in C as pyeer itself reads them (np.loadtxt,
    which converts each number exactly as ``float`` does). Any file that parser does not
    take whole (a comment line, a second field, a word, bad UTF-8, no number at all) is
    read again line by line, so that what it accepts and the message naming the culprit
    line are the same either way."""
    if not path.is_file():
        raise ScoreFileError(f"{path}: score file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an empty file is a warning to np.loadtxt
            values = np.loadtxt(path, dtype=np.float64, comments=None, ndmin=2, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, UserWarning):
        return _pyeer_scores_by_line(path)
    if values.size == 0 or values.shape[1] != 1:
        return _pyeer_scores_by_line(path)
    return values[:, 0]


def _frame(references: Any, probes: Any, genuine: Any, scores: Any, **extra: Any) -> pd.DataFrame:
    values = np.asarray(scores, dtype=np.float64)
    failure = np.full(values.shape, None, dtype=object)
    failure[np.isnan(values)] = NAN_FAILURE
    return pd.DataFrame(
        {
            "reference": references,
            "probe": probes,
            "genuine": genuine,
            "score": values,
            "failure": failure,
            **extra,
        }
    )


def read_bob(path: str | os.PathLike[str], kind: str = "similarity") -> pd.DataFrame:
    """A bob 4- or 5-column score file as a score frame (with subject columns)."""
    path = Path(path)
    sign = _sign(kind)
    rows = _data_lines(path)
    width = len(rows[0][1])
    if width not in (4, 5):
        raise ScoreFileError(
            f"{path}: line {rows[0][0]} has {width} fields; bob score files have 4 "
            "(claimed_id real_id test_label score) or 5 (claimed_id model_label real_id "
            "test_label score)"
        )
    claimed, models, real, probes, scores = [], [], [], [], []
    for number, fields in rows:
        if len(fields) != width:
            raise ScoreFileError(
                f"{path}: line {number} has {len(fields)} fields, the first line {width}"
            )
        claimed.append(fields[0])
        models.append(fields[1] if width == 5 else fields[0])
        real.append(fields[-3])
        probes.append(fields[-2])
        scores.append(sign * _number(fields[-1], path, number))
    frame = _frame(
        models,
        probes,
        [c == r for c, r in zip(claimed, real)],
        scores,
        reference_subject=claimed,
        probe_subject=real,
    )
    return validate_scores(frame, str(path), lambda i: f"line {rows[i][0]}")


def read_pyeer(
    genuine_path: str | os.PathLike[str],
    impostor_path: str | os.PathLike[str],
    kind: str = "similarity",
) -> pd.DataFrame:
    """pyeer's genuine and impostor score files as one score frame."""
    sign = _sign(kind)
    genuine = _pyeer_scores(Path(genuine_path))
    impostor = _pyeer_scores(Path(impostor_path))
    ids = [f"genuine-{i}" for i in range(genuine.size)] + [
        f"impostor-{i}" for i in range(impostor.size)
    ]
    is_genuine = np.concatenate([np.ones(genuine.size, bool), np.zeros(impostor.size, bool)])
    frame = _frame(ids, ids, is_genuine, sign * np.concatenate([genuine, impostor]))
    return validate_scores(frame, f"{genuine_path} + {impostor_path}", lambda i: f"score {i + 1}")


def read_any(spec: str, kind: str | None = None) -> tuple[str, pd.DataFrame]:
    """A score file named on the command line: ``pyeer:GENUINE,IMPOSTOR``, a bob text file
    (``.txt``/``.4col``/``.5col``/``.scores``), or this project's CSV/Parquet. Returns
    (the name it is known by, the frame)."""
    from colourfr.scores import read_scores

    if spec.startswith("pyeer:"):
        files = spec.removeprefix("pyeer:").split(",")
        if len(files) != 2:
            raise ScoreFileError(f"{spec}: expected pyeer:GENUINE_FILE,IMPOSTOR_FILE")
        return spec, read_pyeer(files[0], files[1], kind or "similarity")
    suffix = Path(spec).suffix.lower()
    if suffix in (".txt", ".4col", ".5col", ".scores"):
        return spec, read_bob(spec, kind or "similarity")
    frame = read_scores(spec)
    if kind == "similarity":
        frame = frame.assign(score=-frame["score"])
    return spec, frame


def write_bob(frame: pd.DataFrame, path: str | os.PathLike[str]) -> int:
    """Write bob's 4-column format (similarity = the negated dissimilarity). Rows that
    failed to acquire have no score in bob's format and are left out; returns how many."""
    if "reference_subject" not in frame.columns or "probe_subject" not in frame.columns:
        raise ScoreFileError(
            "bob's format needs claimed and real identities: the score file has no "
            "reference_subject/probe_subject columns"
        )
    valid = frame[np.isfinite(frame["score"].to_numpy(dtype=np.float64))]
    with atomic_write(path, "w", encoding="utf-8") as handle:
        for row in valid.itertuples(index=False):
            handle.write(
                f"{row.reference_subject} {row.probe_subject} {row.probe} {-float(row.score)!r}\n"
            )
    return len(frame) - len(valid)
