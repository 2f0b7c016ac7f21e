"""Whether two results folders hold the same results: every file compared as what it is
(tables as tables, images as pixels, JSON without run-dependent keys, PDF without dates,
Graphviz figures as graphs), with what legitimately differs between two runs masked.

Used by the tests that compare a run with a reference run of the same configuration: the
interrupted runs and the Slurm profile.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

# Outputs that legitimately differ between two runs: logs and benchmark timings. Every
# other file must be equal (tables as tables, images as pixels, the rest as bytes).
DIFFERING_BY_NATURE = (
    re.compile(r"(^|/)logs/"),
    re.compile(r"(^|/)benchmarks?/"),
    re.compile(r"\.log$"),
    # Snakemake's own marker in a directory output, touched after the job ends: a power cut
    # between a finished job's commit and that touch leaves a complete folder without it.
    re.compile(r"(^|/)\.snakemake_timestamp$"),
    # The run lock names the process that held the folder (colourfr.run_lock).
    re.compile(r"(^|/)\.colourfr-run\.lock$"),
)
# Keys of JSON outputs that record when/where/how long a job ran rather than what it made.
# training.json keeps its phase durations under history.timings (pretrain_s, gan_s, ...)
# and the whole run's under wall_time_s.
RUN_DEPENDENT_JSON_KEYS = frozenset(
    {
        "timings",
        "created",
        "created_at",
        "timestamp",
        "date",
        "elapsed_s",
        "seconds",
        "duration_s",
        "wall_time_s",
        "host",
        "hostname",
        "started",
        "finished",
    }
)


# CPU training with torch's MKL/oneDNN kernels is not bit-reproducible between processes,
# even with the same seed, thread count and CPU: the kernels' summation order can depend
# on buffer alignment and on how many threads MKL actually uses. Two otherwise equal runs
# of the `test` training preset were seen to differ from the third batch on, by up to
# 2e-3 relative in a loss after 8 steps. So losses are compared within this tolerance;
# everything else in training.json (config, data and its sha256, architecture, parameter
# count, versions) must be equal.
TRAINING_LOSS_RTOL = 1e-2


def _normalised_json(value: Any, results_dir: str) -> Any:
    if isinstance(value, dict):
        return {
            k: _normalised_json(v, results_dir)
            for k, v in value.items()
            if k not in RUN_DEPENDENT_JSON_KEYS
        }
    if isinstance(value, list):
        return [_normalised_json(v, results_dir) for v in value]
    if isinstance(value, str):
        return value.replace(results_dir, "<results>")
    return value


def training_record_difference(first: dict[str, Any], second: dict[str, Any]) -> str | None:
    """Why two training.json records are not the same training, or None.

    Losses (history) within TRAINING_LOSS_RTOL, the rest equal; left out: timings and the
    checkpoint's sha256 (the weights' last bits follow the losses')."""

    def rest(record: dict[str, Any]) -> dict[str, Any]:
        record = copy.deepcopy(record)
        record.pop("history", None)
        record.pop("wall_time_s", None)
        record.get("checkpoint", {}).pop("sha256", None)
        return record

    if rest(first) != rest(second):
        keys = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
        return f"records differ beyond the losses (keys {keys})"
    histories = [
        {k: v for k, v in r.get("history", {}).items() if k not in RUN_DEPENDENT_JSON_KEYS}
        for r in (first, second)
    ]
    if set(histories[0]) != set(histories[1]):
        return f"history keys {sorted(histories[0])} != {sorted(histories[1])}"
    for key in sorted(histories[0]):
        a, b = np.asarray(histories[0][key], float), np.asarray(histories[1][key], float)
        if a.shape != b.shape:
            return f"history.{key}: {a.shape} values != {b.shape}"
        if not np.allclose(a, b, rtol=TRAINING_LOSS_RTOL, atol=0.0):
            return f"history.{key}: {a.tolist()} vs {b.tolist()} (rtol {TRAINING_LOSS_RTOL})"
    return None


def _table(path: Path, results_dir: str) -> pd.DataFrame:
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
        for column in table.columns:
            values = table[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                values = values.astype(object)
            if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
                table[column] = values.map(
                    lambda v: v.replace(results_dir, "<results>") if isinstance(v, str) else v
                )
    else:
        text = path.read_text().replace(results_dir, "<results>")
        table = pd.read_csv(io.StringIO(text), sep="\t" if path.suffix == ".tsv" else ",")
    return table.reset_index(drop=True)


# matplotlib writes the time of saving into every PDF's Info dictionary. The value is
# masked with as many characters, so the xref offsets that follow stay comparable.
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \((D:[^)]*)\)")


def normalised_pdf(data: bytes) -> bytes:
    return _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (" + b"X" * len(m.group(2)) + b")", data)


def graphviz_structure(svg_text: str) -> tuple[Counter[tuple[str, ...]], Counter[tuple[Any, Any]]]:
    """Nodes (by their text) and edges (by the texts of their ends) of a Graphviz SVG.

    The pipeline figures (rule dag_figure) render `snakemake --rulegraph/--dag`, and those
    are not byte-reproducible even between two local runs: Snakemake writes the edges in
    an order that follows Python's per-process hash seed (so Graphviz numbers them
    differently), and --dag draws the jobs already done at that moment with dashed
    borders. What must be equal is the graph: the same jobs and the same dependencies."""
    import xml.etree.ElementTree as ET

    ns = {"svg": "http://www.w3.org/2000/svg"}
    root = ET.fromstring(svg_text)
    labels: dict[str, tuple[str, ...]] = {}
    edges = []
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        title = group.findtext("svg:title", default="", namespaces=ns)
        if group.get("class") == "node":
            labels[title] = tuple(t.text or "" for t in group.findall("svg:text", ns))
        elif group.get("class") == "edge":
            edges.append(tuple(title.split("->", 1)))
    return Counter(labels.values()), Counter((labels.get(a, a), labels.get(b, b)) for a, b in edges)


def _is_graphviz_svg(path: Path) -> bool:
    return path.suffix.lower() == ".svg" and "Generated by graphviz" in path.read_text()[:500]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unalias(text: str, aliases: dict[str, tuple[str, int]]) -> str:
    """Replaces the sha256 (and, on the same line, the size) of files listed in aliases.

    aliases: sha256 -> (placeholder, size in bytes) for outputs that are equal to the
    other run's but not byte-identical (a PDF's date, training.json's timings), so their
    digests in provenance.md legitimately differ."""
    if not aliases:
        return text
    lines = []
    for line in text.splitlines(keepends=True):
        for digest, (placeholder, size) in aliases.items():
            if digest in line:
                line = line.replace(digest, placeholder)
                for written in {f"{size:,}", str(size)}:
                    line = re.sub(rf"(?<![\w,.<]){re.escape(written)}(?![\w,.>])", "<size>", line)
        lines.append(line)
    return "".join(lines)


def output_difference(
    first: Path,
    second: Path,
    first_root: Path,
    second_root: Path,
    aliases: tuple[dict[str, tuple[str, int]], dict[str, tuple[str, int]]] = ({}, {}),
) -> str | None:
    """Why two output files differ, or None if they hold the same result.

    Absolute paths into each run's root are compared relative to it; tables are
    compared as tables (parquet metadata may differ), raster images as pixels (PNG
    metadata may differ), JSON without run-dependent keys, PDF without its dates, text
    with the digests of such outputs masked (aliases), anything else as bytes."""
    suffix = first.suffix.lower()
    roots = (str(first_root), str(second_root))
    try:
        if suffix in {".csv", ".tsv", ".parquet"}:
            pd.testing.assert_frame_equal(_table(first, roots[0]), _table(second, roots[1]))
            return None
        if suffix in {".png", ".jpg", ".jpeg"}:
            with Image.open(first) as a, Image.open(second) as b:
                if a.mode != b.mode or a.size != b.size:
                    return f"image {a.mode}{a.size} != {b.mode}{b.size}"
                if not np.array_equal(np.asarray(a), np.asarray(b)):
                    return "pixels differ"
            return None
        if suffix == ".json":
            a_json = _normalised_json(json.loads(first.read_text()), roots[0])
            b_json = _normalised_json(json.loads(second.read_text()), roots[1])
            return None if a_json == b_json else "JSON content differs"
        if suffix == ".npy":
            # Rows of failed faces are NaN, and NaN != NaN: equal_nan compares them as equal.
            same = np.array_equal(np.load(first), np.load(second), equal_nan=True)
            return None if same else "arrays differ"
        if _is_graphviz_svg(first) and _is_graphviz_svg(second):
            a_svg = first.read_text().replace(roots[0], "<results>")
            b_svg = second.read_text().replace(roots[1], "<results>")
            same_graph = graphviz_structure(a_svg) == graphviz_structure(b_svg)
            return None if same_graph else "graph differs (nodes or edges)"
        if suffix == ".pdf":
            same = normalised_pdf(first.read_bytes()) == normalised_pdf(second.read_bytes())
            return None if same else "PDF differs (dates masked)"
        if suffix in {".md", ".tex", ".txt", ".svg", ".dot", ".html", ".yaml"}:
            a_text = _unalias(first.read_text(), aliases[0]).replace(roots[0], "<results>")
            b_text = _unalias(second.read_text(), aliases[1]).replace(roots[1], "<results>")
            return None if a_text == b_text else "text differs"
    except (AssertionError, ValueError) as error:
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return None if first.read_bytes() == second.read_bytes() else "bytes differ"


def compare_result_dirs(first: Path, second: Path) -> dict[str, str]:
    """relative path -> why it differs (missing on one side included), over both trees.

    A Graphviz PDF whose SVG twin (same stem) holds the same graph is compared through
    that twin (see graphviz_structure)."""

    def files(root: Path) -> set[str]:
        return {
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file()
            and not any(r.search(p.relative_to(root).as_posix()) for r in DIFFERING_BY_NATURE)
        }

    first_files, second_files = files(first), files(second)
    differences = {path: "only in the first run" for path in first_files - second_files}
    differences.update({path: "only in the second run" for path in second_files - first_files})
    # Files equal in content but not in bytes: their digests may differ wherever another
    # output records them (provenance.md); those records are compared with them masked.
    aliases: tuple[dict[str, tuple[str, int]], dict[str, tuple[str, int]]] = ({}, {})
    second_pass = []
    for path in sorted(first_files & second_files):
        why = output_difference(first / path, second / path, first, second)
        if why:
            second_pass.append(path)
        elif (first / path).stat().st_size != (second / path).stat().st_size or (
            first / path
        ).read_bytes() != (second / path).read_bytes():
            for side, root in enumerate((first, second)):
                aliases[side][_sha256(root / path)] = (
                    f"<sha256 of {path}>",
                    (root / path).stat().st_size,
                )
    for path in second_pass:
        why = output_difference(first / path, second / path, first, second, aliases)
        twin = str(Path(path).with_suffix(".svg"))
        if (
            why
            and path.endswith(".pdf")
            and twin in first_files & second_files
            and _is_graphviz_svg(first / twin)
            and _is_graphviz_svg(second / twin)
            and all((root / path).read_bytes().startswith(b"%PDF-") for root in (first, second))
        ):
            why = output_difference(first / twin, second / twin, first, second)
        if why:
            differences[path] = why
    return differences
