"""Score files: one row per comparison, CSV or Parquet.

Columns (the contract in docs/architecture.md):

========================  ==========================================================
``reference``, ``probe``  image ids (non-empty strings)
``genuine``               boolean: true = same subject (CSV: true/false/1/0, any case)
``score``                 dissimilarity (cosine distance 1 - cos for ArcFace); NaN/empty
                          when either side failed to acquire
``failure``               reason when the score is NaN (e.g. ``probe:no_face``), else empty
========================  ==========================================================

Optional: ``fold`` (pair-list protocols) and ``reference_subject``/``probe_subject``
(needed by the subject-level bootstrap). ``failure`` may be omitted by users whose
scores have no failures. Every problem raises :class:`ScoreFileError` naming the file and
the line (CSV: physical line, header = line 1) or row (Parquet: 1-based data row).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from colourfr.errors import ColourfrError
from colourfr.io.atomic import atomic_path
from colourfr.io.csv import TableFileError, check_row_count, write_csv

REQUIRED_COLUMNS: tuple[str, ...] = ("reference", "probe", "genuine", "score")
SCORE_COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, "failure")
OPTIONAL_COLUMNS: tuple[str, ...] = ("failure", "fold", "reference_subject", "probe_subject")
_TRUE = frozenset({"true", "1", "t", "yes"})
_FALSE = frozenset({"false", "0", "f", "no"})


class ScoreFileError(ColourfrError):
    """A score file is unreadable or violates the schema; names the file and line."""


def _row_locator(path: Path) -> Callable[[int], str]:
    """Human position of 0-based data row i: CSV line (header is line 1) or Parquet row."""
    if path.suffix.lower() == ".csv":
        return lambda i: f"line {i + 2}"
    return lambda i: f"row {i + 1}"


def check_csv_row_lengths(path: Path) -> None:
    """Every non-blank CSV line has as many fields as the header: pandas would fill a short
    row with missing values and read a long one's extra field as an index."""
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        for row in reader:
            if row and len(row) != len(header):
                raise ScoreFileError(
                    f"{path}: line {reader.line_num} has {len(row)} field(s), the header has "
                    f"{len(header)} ({', '.join(header)})"
                )


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read and validate a score file (``.csv`` or ``.parquet``).

    Returns a frame with ``reference``/``probe`` (str), ``genuine`` (bool), ``score``
    (float64, NaN = failure) and ``failure`` (str or None), plus any optional columns.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ScoreFileError(f"{path}: score file not found")
    try:
        if suffix == ".csv":
            check_csv_row_lengths(path)
            # Everything as text so that we, not pandas, decide what is a bad value and
            # blank lines stay rows (keeps data-row -> physical-line mapping exact).
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
            try:
                check_row_count(path, len(frame), "score file")
            except TableFileError as exc:
                raise ScoreFileError(str(exc)) from None
        elif suffix in {".parquet", ".pq"}:
            frame = pd.read_parquet(path)
        else:
            raise ScoreFileError(
                f"{path}: unknown score file type {suffix!r} (use .csv or .parquet)"
            )
    except ScoreFileError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as exc:
        raise ScoreFileError(
            f"{path}: cannot read score file ({exc}); a file cut short by an interrupted "
            "run must be deleted so that the workflow remakes it"
        ) from exc
    return validate_scores(frame, str(path), _row_locator(path))


def count_rows_upper_bound(path: str | Path) -> int:
    """At most how many data rows a score file has, without parsing it: Parquet metadata,
    or the number of line breaks of a CSV (minus the header; blank lines count too)."""
    path = Path(path)
    if not path.is_file():
        raise ScoreFileError(f"{path}: score file not found")
    if path.suffix.lower() == ".csv":
        lines = 0
        last = b"\n"
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 24):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        lines += last != b"\n"  # last line without a line break
        return max(0, lines - 1)
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, ValueError) as exc:
        raise ScoreFileError(f"{path}: cannot read score file ({exc})") from exc


def _shifted(locate: Callable[[int], str], start: int) -> Callable[[int], str]:
    return lambda i: locate(i + start)


def iter_scores(path: str | Path, batch_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """Validated batches of a score file, for files too large to hold in memory.

    Each batch is checked like :func:`read_scores` and keeps the file's 0-based data-row
    numbers as its index, so later errors still name the right line. Duplicate
    comparisons are detected within a batch only.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ScoreFileError(f"{path}: score file not found")
    locate = _row_locator(path)
    offset = 0
    try:
        if suffix == ".csv":
            check_csv_row_lengths(path)
            batches: Iterator[pd.DataFrame] = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                chunksize=batch_rows,
            )
        elif suffix in {".parquet", ".pq"}:
            import pyarrow.parquet as pq

            batches = (batch.to_pandas() for batch in pq.ParquetFile(path).iter_batches(batch_rows))
        else:
            raise ScoreFileError(
                f"{path}: unknown score file type {suffix!r} (use .csv or .parquet)"
            )
        seen_any = False
        for batch in batches:
            start = offset
            validated = validate_scores(batch, str(path), _shifted(locate, start))
            validated.index = pd.RangeIndex(start, start + len(validated))
            offset += len(validated)
            seen_any = True
            yield validated
        if not seen_any:
            raise ScoreFileError(f"{path}: no score rows")
    except ScoreFileError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as exc:
        raise ScoreFileError(f"{path}: cannot read score file ({exc})") from exc


def _first_bad(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _as_text(column: pd.Series) -> pd.Series:
    """Column as str with missing values as ''."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    return column.where(column.notna(), "").astype(str)


def _stripped_text(column: pd.Series) -> pd.Series:
    """Stripped text, missing as ''. Categorical columns (dictionary-encoded Parquet from
    :func:`write_scores`) stay categorical: 10^7 rows then cost codes, not strings."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return _as_text(column).str.strip()
    labels = np.array([str(c).strip() for c in column.cat.categories] + [""], dtype=object)
    codes = column.cat.codes.to_numpy()
    codes = np.where(codes < 0, labels.size - 1, codes)
    new_codes, uniques = pd.factorize(labels)
    categorical = pd.Categorical.from_codes(new_codes[codes], categories=uniques.astype(str))
    return pd.Series(categorical, index=column.index, name=column.name)


def _parse_genuine(column: pd.Series, source: str, where: Callable[[int], str]) -> pd.Series:
    if pd.api.types.is_bool_dtype(column) and not column.isna().any():
        return column.astype(bool)
    text = _as_text(column).str.strip().str.lower()
    is_true = text.isin(_TRUE).to_numpy()
    is_false = text.isin(_FALSE).to_numpy()
    bad = _first_bad(~(is_true | is_false))
    if bad is not None:
        raise ScoreFileError(
            f"{source}: {where(bad)}: genuine must be true/false (or 1/0), got {column.iloc[bad]!r}"
        )
    return pd.Series(is_true, index=column.index, name="genuine")


def _parse_score(column: pd.Series, source: str, where: Callable[[int], str]) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        numeric = column.astype(np.float64)
    else:
        text = _as_text(column).str.strip()
        numeric = pd.to_numeric(text, errors="coerce").astype(np.float64)
        declared_missing = text.str.lower().isin({"", "nan", "na", "null", "none"})
        bad = _first_bad((numeric.isna() & ~declared_missing).to_numpy())
        if bad is not None:
            raise ScoreFileError(
                f"{source}: {where(bad)}: score is not a number: {column.iloc[bad]!r}"
            )
    bad = _first_bad(np.isinf(numeric.to_numpy()))
    if bad is not None:
        raise ScoreFileError(f"{source}: {where(bad)}: score is infinite")
    return numeric.rename("score")


def validate_scores(
    frame: pd.DataFrame, source: str, where: Callable[[int], str] | None = None
) -> pd.DataFrame:
    """Check the schema and normalise types; ``where(i)`` names data row i in messages."""
    locate = where or (lambda i: f"row {i + 1}")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ScoreFileError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}"
            f" (found: {', '.join(map(str, frame.columns)) or 'none'};"
            f" required: {', '.join(REQUIRED_COLUMNS)})"
        )
    if len(frame) == 0:
        raise ScoreFileError(f"{source}: no score rows")
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    for id_column in ("reference", "probe"):
        text = _stripped_text(frame[id_column])
        bad = _first_bad((text == "").to_numpy())
        if bad is not None:
            raise ScoreFileError(f"{source}: {locate(bad)}: {id_column} is empty")
        out[id_column] = text
    out["genuine"] = _parse_genuine(frame["genuine"], source, locate)
    out["score"] = _parse_score(frame["score"], source, locate)
    if "failure" in frame.columns:
        failure_text = _stripped_text(frame["failure"])
    else:
        failure_text = pd.Series("", index=frame.index)
    has_failure = (failure_text != "").to_numpy()
    score_missing = out["score"].isna().to_numpy()
    bad = _first_bad(score_missing & ~has_failure)
    if bad is not None:
        raise ScoreFileError(
            f"{source}: {locate(bad)}: score is missing but no failure reason is given"
        )
    bad = _first_bad(~score_missing & has_failure)
    if bad is not None:
        raise ScoreFileError(
            f"{source}: {locate(bad)}: failure {failure_text.iloc[bad]!r} given with a score;"
            " a failed comparison has an empty score"
        )
    out["failure"] = failure_text.astype(object).where(has_failure, None)
    for optional in ("fold", "reference_subject", "probe_subject"):
        if optional in frame.columns:
            out[optional] = _stripped_text(frame[optional])
    duplicated = out.duplicated(subset=["reference", "probe"], keep="first").to_numpy()
    bad = _first_bad(duplicated)
    if bad is not None:
        raise ScoreFileError(
            f"{source}: {locate(bad)}: duplicate comparison reference={out['reference'].iloc[bad]!r}"
            f" probe={out['probe'].iloc[bad]!r}"
        )
    return out


def write_scores(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a score frame to ``.parquet`` (dictionary-encoded ids) or ``.csv``."""
    path = Path(path)
    columns = list(SCORE_COLUMNS) + [c for c in OPTIONAL_COLUMNS[1:] if c in frame.columns]
    missing = [c for c in SCORE_COLUMNS if c not in frame.columns]
    if missing:
        raise ScoreFileError(f"{path}: cannot write scores without column(s) {', '.join(missing)}")
    ordered = frame.loc[:, columns]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(ordered, path, na_rep="")
    elif suffix in {".parquet", ".pq"}:
        with atomic_path(path) as tmp:
            ordered.to_parquet(tmp, index=False)
    else:
        raise ScoreFileError(f"{path}: unknown score file type {suffix!r} (use .csv or .parquet)")


def require_impostors(frame: pd.DataFrame, source: str) -> np.ndarray:
    """Valid impostor scores of a baseline; error if there are none."""
    impostor = frame.loc[~frame["genuine"], "score"].to_numpy(dtype=np.float64)
    if impostor.size == 0:
        raise ScoreFileError(
            f"{source}: baseline has no impostor rows (genuine=false); thresholds need them"
        )
    valid = impostor[np.isfinite(impostor)]
    if valid.size == 0:
        raise ScoreFileError(f"{source}: baseline has impostor rows but none has a valid score")
    return valid


def require_genuine(frame: pd.DataFrame, source: str) -> np.ndarray:
    """Genuine scores (NaN = failure); error if the file has no genuine rows."""
    genuine = frame.loc[frame["genuine"], "score"].to_numpy(dtype=np.float64)
    if genuine.size == 0:
        raise ScoreFileError(f"{source}: no genuine rows (genuine=true)")
    return genuine


def check_same_genuine_pairs(
    frame: pd.DataFrame, source: str, other: pd.DataFrame, other_source: str
) -> None:
    """Error naming the first genuine pair present in one file but not the other."""
    where = _row_locator(Path(source))
    where_other = _row_locator(Path(other_source))
    mine = frame.loc[frame["genuine"], ["reference", "probe"]]
    theirs = other.loc[other["genuine"], ["reference", "probe"]]
    mine_keys = pd.MultiIndex.from_frame(mine)
    theirs_keys = pd.MultiIndex.from_frame(theirs)
    not_in_other = ~mine_keys.isin(theirs_keys)
    not_in_mine = ~theirs_keys.isin(mine_keys)
    counts = (
        f" ({source} has {len(mine)} genuine pairs, {other_source} {len(theirs)}; "
        f"{int(not_in_other.sum())} only in the first, {int(not_in_mine.sum())} only in the "
        "second)"
    )
    for missing, pairs, file, locate, absent_from in (
        (not_in_other, mine, source, where, other_source),
        (not_in_mine, theirs, other_source, where_other, source),
    ):
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise ScoreFileError(
                f"{file}: {locate(int(pairs.index[i]))}: genuine pair reference="
                f"{pairs['reference'].iloc[i]!r} probe={pairs['probe'].iloc[i]!r} is not in"
                f" {absent_from}: files do not match" + counts
            )


def paired_genuine_scores(
    frame_a: pd.DataFrame, source_a: str, frame_b: pd.DataFrame, source_b: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Genuine scores of two files aligned on (reference, probe) (files must match), and
    the reference subject of each pair: the ``reference_subject`` column where the first
    file has one, else the reference id (one reference per subject, as in the paper)."""
    check_same_genuine_pairs(frame_a, source_a, frame_b, source_b)
    subject = ["reference_subject"] if "reference_subject" in frame_a.columns else []
    a = frame_a.loc[frame_a["genuine"], ["reference", "probe", "score", *subject]]
    b = frame_b.loc[frame_b["genuine"], ["reference", "probe", "score"]]
    merged = a.merge(b, on=["reference", "probe"], suffixes=("_a", "_b"), validate="one_to_one")
    subjects = merged[subject[0]] if subject else merged["reference"]
    return (
        merged["score_a"].to_numpy(np.float64),
        merged["score_b"].to_numpy(np.float64),
        subjects.astype(str).to_numpy(),
    )


def subjects_of(frame: pd.DataFrame, source: str, columns: Sequence[str]) -> list[np.ndarray]:
    """Subject columns needed by the bootstrap, or an error naming the file."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ScoreFileError(
            f"{source}: the subject-level bootstrap needs column(s) {', '.join(missing)}"
        )
    return [frame[c].to_numpy() for c in columns]
