"""The Slurm profile (profiles/slurm) on a real one-node Slurm cluster.

The fast tests (default suite) check the profile itself: every entry names a rule of the
workflow and carries a comment, and the adaptation to the one-node test cluster keeps what
it must. The `slurm` test runs the reduced workflow through snakemake-executor-plugin-slurm,
finds every job in `sacct` (GPU jobs with a GPU allocated) and compares the outputs with
those of a local run of the same config.

Run it with a cluster:  bash ci/slurm/start-local-slurm.sh && .venv/bin/pytest -m slurm -q
or let the test start one (root only):  COLOURFR_START_SLURM=1 .venv/bin/pytest -m slurm -q
COLOURFR_SLURM_TARGETS (space-separated, relative to results_dir) narrows the targets.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
PROFILE_DIR = REPO / "profiles" / "slurm"
START_SCRIPT = REPO / "ci" / "slurm" / "start-local-slurm.sh"
RUN_TIMEOUT_S = 3 * 3600

# Resources a one-node GPU-less test cluster cannot honour. The node advertises generic
# GPUs (ci/slurm/start-local-slurm.sh), so `gpu` requests stay; a GPU *model* does not
# exist there, and the test user has no account of the site's.
UNSATISFIABLE_ON_TEST_NODE = ("gpu_model", "slurm_account", "constraint", "qos")
# The training artifact of the trained-unet instance: rules/artifacts.smk names each
# artifact rule after the artifact (train_<instance>).
TRAIN_RULE = "train_trained_unet"
# Rules that may request a GPU (per instance). On a node without any GRES
# (SLURM_FAKE_GPUS=0) the adapted profile sets gpu: 0 on them, which overrides the rule's
# own per-instance value; sbatch would otherwise reject `--gpus=1`.
GPU_CAPABLE_RULES = ("colourise", TRAIN_RULE, "embed", "quality_score")

# Outputs that legitimately differ between two runs: logs and benchmark timings. Every
# other file must be equal (tables as tables, images as pixels, the rest as bytes).
DIFFERING_BY_NATURE = (
    re.compile(r"(^|/)logs/"),
    re.compile(r"(^|/)benchmarks?/"),
    re.compile(r"\.log$"),
    # Snakemake's own marker in a directory output, touched after the job ends: a power cut
    # between a finished job's commit and that touch leaves a complete folder without it.
    re.compile(r"(^|/)\.snakemake_timestamp$"),
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


# What the training artifact writes (colourfr.colourisers.plans.TRAINED_MODEL_FILES).
TRAINED_MODEL_FILES = ("generator.pth", "training.json", "training_subjects.txt")
# CPU training with torch's MKL/oneDNN kernels is not bit-reproducible between processes,
# even with the same seed, thread count and CPU: the kernels' summation order can depend
# on buffer alignment and on how many threads MKL actually uses. Two otherwise equal runs
# of the `test` training preset were seen to differ from the third batch on, by up to
# 2e-3 relative in a loss after 8 steps. So losses are compared within this tolerance;
# everything else in training.json (config, data and its sha256, architecture, parameter
# count, versions) must be equal.
TRAINING_LOSS_RTOL = 1e-2

# ----------------------------------------------------------------------------- helpers


def workflow_rule_names(rule_dir: Path) -> set[str]:
    """Names of the rules, checkpoints and `use rule ... as` rules in rule_dir/*.smk."""
    names: set[str] = set()
    for smk in sorted(rule_dir.glob("*.smk")):
        text = smk.read_text()
        names.update(re.findall(r"^(?:rule|checkpoint)\s+(\w+)\s*:", text, flags=re.MULTILINE))
        names.update(re.findall(r"^use rule \w+ as (\w+)", text, flags=re.MULTILINE))
    return names


def uncommented_entries(profile_text: str) -> list[str]:
    """Lines of a profile that set something but carry no `#` comment.

    A mapping key that only opens a block (`set-resources:`, `default-resources:`) needs
    none: its entries carry the comments."""
    missing = []
    for line in profile_text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped in {"default-resources:", "set-resources:"}:
            continue
        if "#" not in stripped:
            missing.append(line)
    return missing


@dataclass(frozen=True)
class Node:
    partition: str
    cpus: int
    memory_mb: int
    gpus: int = 1  # generic GPUs (GRES gpu) the node advertises


def gres_gpu_count(gres: str) -> int:
    """GPUs in sinfo's %G column: 'gpu:1', 'gpu:a100:2(S:0-1)', '(null)' -> 1, 2, 0."""
    return sum(int(count) for count in re.findall(r"(?:^|,)gpu(?::[^:,(]+)?:(\d+)", gres.strip()))


def adapt_profile_to_node(
    profile: dict[str, Any], node: Node, *, logdir: Path, jobname_prefix: str
) -> dict[str, Any]:
    """The Slurm profile as the one-node test cluster can run it.

    Drops what the node cannot honour (UNSATISFIABLE_ON_TEST_NODE), caps cpus_per_task and
    mem_mb at the node's size (a request above it is rejected by sbatch), names the
    partition, and polls sooner. On a node without GPUs (node.gpus == 0) every
    GPU-capable rule gets gpu: 0. Everything else (runtime, gpu on a node with generic
    GPUs, the per-rule entries) goes to Slurm as written."""
    adapted = copy.deepcopy(profile)
    defaults = adapted.setdefault("default-resources", {})
    per_rule = adapted.setdefault("set-resources", {})
    if node.gpus == 0:
        for rule in GPU_CAPABLE_RULES:
            per_rule.setdefault(rule, {})["gpu"] = 0
    for resources in [defaults, *per_rule.values()]:
        for key in UNSATISFIABLE_ON_TEST_NODE:
            resources.pop(key, None)
        if "cpus_per_task" in resources:
            resources["cpus_per_task"] = min(int(resources["cpus_per_task"]), node.cpus)
        if "mem_mb" in resources:
            resources["mem_mb"] = min(int(resources["mem_mb"]), node.memory_mb)
    defaults["slurm_partition"] = node.partition
    adapted["slurm-init-seconds-before-status-checks"] = 5
    adapted["slurm-logdir"] = str(logdir)
    adapted["slurm-jobname-prefix"] = jobname_prefix
    adapted["restart-times"] = 0  # a failing job must fail the test, not be retried
    adapted["latency-wait"] = 10  # the "shared" filesystem is the local disk
    return adapted


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
            return None if np.array_equal(np.load(first), np.load(second)) else "arrays differ"
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


def sacct_jobs(jobname_prefix: str) -> pd.DataFrame:
    """The test's Slurm jobs (name starts with jobname_prefix) as sacct reports them."""
    fields = ["JobIDRaw", "JobName", "State", "Comment", "AllocTRES", "ExitCode"]
    result = subprocess.run(
        [
            "sacct",
            "-X",
            "--parsable2",
            "--noheader",
            "--allusers",
            "--starttime",
            "now-1days",
            f"--format={','.join(f + '%300' for f in fields)}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    rows = [line.split("|") for line in result.stdout.splitlines() if line.strip()]
    table = pd.DataFrame(rows, columns=fields)
    return table[table["JobName"].str.startswith(jobname_prefix)]


def rule_of_comment(comment: str) -> str:
    """The rule name in the plugin's job comment, e.g. 'rule_colourise_wildcards_lfw_...'."""
    match = re.match(r"rule_(.+?)(?:_wildcards_.*)?$", comment)
    if not match:
        raise ValueError(f"not a snakemake-executor-plugin-slurm comment: {comment!r}")
    return match.group(1)


# ------------------------------------------------------------------- the profile itself


def load_profile() -> dict[str, Any]:
    return yaml.safe_load((PROFILE_DIR / "config.yaml").read_text())


def test_profile_names_only_rules_of_the_workflow() -> None:
    rules = workflow_rule_names(REPO / "rules")
    unknown = set(load_profile()["set-resources"]) - rules
    assert not unknown, f"profiles/slurm sets resources for rules that do not exist: {unknown}"


def test_every_rule_that_runs_on_a_node_has_a_runtime() -> None:
    profile = load_profile()
    uncovered = {
        rule
        for rule in workflow_rule_names(REPO / "rules")
        if "runtime" not in profile["set-resources"].get(rule, {})
    }
    # The default runtime covers them, but a rule added without thought about its
    # runtime should be a conscious choice: list it here.
    assert uncovered == set(), f"no runtime in profiles/slurm for: {sorted(uncovered)}"


def test_every_profile_entry_is_commented() -> None:
    missing = uncommented_entries((PROFILE_DIR / "config.yaml").read_text())
    assert missing == []


def test_uncommented_entries_finds_bare_settings() -> None:
    text = "jobs: 10  # fine\nset-resources:\n  compare:   # ok\n    mem_mb: 100\n# note\n"
    assert uncommented_entries(text) == ["    mem_mb: 100"]


def test_profile_requests_gpus_the_way_the_plugin_reads_them() -> None:
    profile = load_profile()
    assert profile["executor"] == "slurm"
    for resources in [profile["default-resources"], *profile["set-resources"].values()]:
        # slurm_extra '--gres=gpu...' next to gpu= would be rejected by the plugin.
        assert "gres" not in str(resources.get("slurm_extra", "")), resources
        # A constant gpu on a rule shared by CPU and GPU instances would send the CPU
        # instances to GPU nodes; those rules take gpu from the instance's config.
    for shared_rule in ("colourise", "quality_score", "embed"):
        assert "gpu" not in profile["set-resources"][shared_rule]
    assert "gpu" not in profile["set-resources"].get(TRAIN_RULE, {})


def test_workflow_rules_take_gpu_from_the_instance_config() -> None:
    # The profile relies on these rules declaring gpu per instance (gpu_resources(...)).
    text = "\n".join(p.read_text() for p in (REPO / "rules").glob("*.smk"))
    for rule in ("colourise", "embed", "quality_score"):
        body = re.search(
            rf"^(?:rule|checkpoint) {rule}:\n(.*?)(?=^\S)", text, flags=re.MULTILINE | re.DOTALL
        )
        assert body and re.search(r"gpu\s*=\s*lambda \w+: gpu_resources\(", body.group(1)), rule
    # Artifact rules (the training run) take gpu from the artifact, which the plan copies
    # from its instance.
    artifacts = (REPO / "rules" / "artifacts.smk").read_text()
    assert "gpu=int(_artifact.gpu)" in artifacts


def test_adapt_profile_to_node_caps_and_strips() -> None:
    profile: dict[str, Any] = {
        "executor": "slurm",
        "default-resources": {"mem_mb": 4000, "runtime": 60, "slurm_account": "site"},
        "set-resources": {
            "train": {"gpu": 1, "gpu_model": "a100", "cpus_per_task": 8, "mem_mb": 64000},
            "small": {"cpus_per_task": 1, "mem_mb": 500, "runtime": 5},
        },
    }
    node = Node(partition="local", cpus=2, memory_mb=3000)
    adapted = adapt_profile_to_node(profile, node, logdir=Path("/tmp/l"), jobname_prefix="t")
    assert adapted["default-resources"] == {
        "mem_mb": 3000,
        "runtime": 60,
        "slurm_partition": "local",
    }
    assert adapted["set-resources"]["train"] == {"gpu": 1, "cpus_per_task": 2, "mem_mb": 3000}
    assert adapted["set-resources"]["small"] == {"cpus_per_task": 1, "mem_mb": 500, "runtime": 5}
    assert adapted["restart-times"] == 0 and adapted["slurm-jobname-prefix"] == "t"
    assert profile["set-resources"]["train"]["gpu_model"] == "a100"  # input left alone


def test_rule_of_comment() -> None:
    assert rule_of_comment("rule_colour_fidelity_shard_wildcards_lfw_exemplar-transfer_s0000") == (
        "colour_fidelity_shard"
    )
    assert rule_of_comment("rule_dag_figure") == "dag_figure"
    with pytest.raises(ValueError):
        rule_of_comment("hello")


def test_compare_result_dirs_sees_real_differences_only(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for root, value, when in ((first, 1.0, "08:00"), (second, 1.0, "09:00")):
        (root / "t" / "logs").mkdir(parents=True)
        (root / "t" / "logs" / "x.log").write_text(when)
        (root / "t" / "index.csv").write_text(f"path,score\n{root}/t/img.png,{value}\n")
        (root / "t" / "p.json").write_text(json.dumps({"model": "m", "created": when}))
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(root / "t" / "img.png")
    assert compare_result_dirs(first, second) == {}

    (second / "t" / "index.csv").write_text(f"path,score\n{second}/t/img.png,2.0\n")
    Image.fromarray(np.ones((4, 4), np.uint8)).save(second / "t" / "img.png")
    (second / "t" / "extra.md").write_text("x")
    differences = compare_result_dirs(first, second)
    assert set(differences) == {"t/index.csv", "t/img.png", "t/extra.md"}
    assert differences["t/extra.md"] == "only in the second run"


def test_compare_result_dirs_masks_run_dependent_parts_only(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first, second = tmp_path / "a", tmp_path / "b"
    for root, seconds in ((first, 1.25), (second, 31.5)):
        (root / "m").mkdir(parents=True)
        record = {"history": {"loss": [0.5], "timings": {"gan_s": seconds}}, "wall_time_s": seconds}
        (root / "m" / "training.json").write_text(json.dumps(record))
        figure, axes = plt.subplots()
        axes.plot([1, 2, 3])
        with matplotlib.rc_context({"pdf.compression": 0}):
            figure.savefig(
                root / "m" / "fig.pdf", metadata={"CreationDate": None}
            )  # then the date is set by hand, as matplotlib would at another second
        plt.close(figure)
        pdf = (root / "m" / "fig.pdf").read_bytes()
        stamp = f"/CreationDate (D:2026010112{int(seconds):04d}Z)".encode()
        (root / "m" / "fig.pdf").write_bytes(pdf.replace(b"/Producer", stamp + b" /Producer", 1))
        rows = "".join(
            f"| `{root}/m/{name}` | {(root / 'm' / name).stat().st_size:,} | "
            f"`{hashlib.sha256((root / 'm' / name).read_bytes()).hexdigest()}` |\n"
            for name in ("training.json", "fig.pdf")
        )
        (root / "provenance.md").write_text("| file | bytes | sha256 |\n" + rows)
    assert (first / "m" / "fig.pdf").read_bytes() != (second / "m" / "fig.pdf").read_bytes()
    assert compare_result_dirs(first, second) == {}

    # A real change in the trained record, or a provenance row for another file, is seen.
    record = json.loads((second / "m" / "training.json").read_text())
    record["history"]["loss"] = [0.4]
    (second / "m" / "training.json").write_text(json.dumps(record))
    assert set(compare_result_dirs(first, second)) == {"m/training.json", "provenance.md"}


def _graphviz_svg(edges: list[tuple[str, str]], dashed: str = "") -> str:
    nodes = sorted({n for edge in edges for n in edge})
    body = "".join(
        f'<g id="node{i}" class="node"><title>{i}</title>'
        f'<path stroke-dasharray="{"5,2" if n == dashed else ""}"/><text>{n}</text></g>'
        for i, n in enumerate(nodes)
    )
    body += "".join(
        f'<g id="edge{k}" class="edge"><title>{nodes.index(a)}&#45;&gt;{nodes.index(b)}</title></g>'
        for k, (a, b) in enumerate(edges)
    )
    return (
        '<?xml version="1.0"?>\n<!-- Generated by graphviz version 2.43.0 (0)\n -->\n'
        f'<svg xmlns="http://www.w3.org/2000/svg"><g id="graph0" class="graph">{body}</g></svg>'
    )


def test_pipeline_figures_compare_as_graphs(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    edges = [("manifest", "greyscale"), ("greyscale", "colourise"), ("manifest", "all")]
    for root, order, dashed in ((first, edges, "manifest"), (second, edges[::-1], "")):
        root.mkdir()
        (root / "dag.svg").write_text(_graphviz_svg(order, dashed))
        (root / "dag.pdf").write_bytes(b"%PDF-1.5 rendered " + dashed.encode())
    assert compare_result_dirs(first, second) == {}

    (second / "dag.svg").write_text(_graphviz_svg(edges[:2]))
    assert compare_result_dirs(first, second) == {
        "dag.svg": "graph differs (nodes or edges)",
        "dag.pdf": "graph differs (nodes or edges)",
    }


def test_training_record_difference() -> None:
    # Two real records of the `test` preset (a local and a Slurm run), abridged.
    local: dict[str, Any] = {
        "training": {"seed": 0, "threads": 2},
        "data": {"data_sha256": "7781c4"},
        "checkpoint": {"sha256": "d05fb5", "parameters": 21530032},
        "history": {
            "valid_loss_initial": 0.3768872320652008,
            "pretrain_valid_loss": [0.385637104511261, 0.37117069959640503],
            "gan_generator_losses": [0.3808147609233856],
            "timings": {"gan_s": 13.1},
        },
        "wall_time_s": 52.0,
    }
    slurm = copy.deepcopy(local)
    slurm["checkpoint"]["sha256"] = "eec34a"
    slurm["history"]["pretrain_valid_loss"] = [0.38491159677505493, 0.3710969388484955]
    slurm["history"]["gan_generator_losses"] = [0.38077548146247864]
    slurm["history"]["timings"] = {"gan_s": 17.2}
    slurm["wall_time_s"] = 74.9
    assert training_record_difference(local, slurm) is None

    other_data = copy.deepcopy(slurm)
    other_data["data"]["data_sha256"] = "000000"
    assert "beyond the losses" in str(training_record_difference(local, other_data))
    diverged = copy.deepcopy(slurm)
    diverged["history"]["gan_generator_losses"] = [0.36]
    assert "gan_generator_losses" in str(training_record_difference(local, diverged))
    shorter = copy.deepcopy(slurm)
    shorter["history"]["gan_generator_losses"] = []
    assert "gan_generator_losses" in str(training_record_difference(local, shorter))


def test_snapshot_checkout_copies_sources_not_ignored_files(tmp_path: Path) -> None:
    if not shutil.which("git"):
        pytest.skip("git not installed")
    repo = tmp_path / "main"
    (repo / "src").mkdir(parents=True)
    (tmp_path / "shared").mkdir()
    (repo / ".gitignore").write_text("results/\n")
    (repo / "src" / "tracked.py").write_text("x = 1\n")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    (repo / "src" / "new.py").write_text("y = 2\n")  # untracked, not ignored
    (repo / "results").mkdir()
    (repo / "results" / "big.bin").write_text("ignored")
    snapshot = snapshot_checkout(repo, tmp_path / "work" / "repo")
    copied = {p.relative_to(snapshot).as_posix() for p in snapshot.rglob("*") if p.is_file()}
    assert {".gitignore", "src/tracked.py", "src/new.py"} <= copied
    assert not any(path.startswith("results/") for path in copied)
    assert (snapshot / ".git").is_dir() and (tmp_path / "work" / "shared").is_symlink()
    (repo / "src" / "tracked.py").write_text("x = 3\n")  # later edits do not reach it
    assert (snapshot / "src" / "tracked.py").read_text() == "x = 1\n"


def test_normalised_pdf_masks_only_dates() -> None:
    a = b"<< /CreationDate (D:20260101120000Z) /Title (x) >>"
    b = b"<< /CreationDate (D:20260101120059Z) /Title (x) >>"
    assert normalised_pdf(a) == normalised_pdf(b) and len(normalised_pdf(a)) == len(a)
    assert normalised_pdf(a) != normalised_pdf(b.replace(b"(x)", b"(y)"))


def test_parquet_paths_compare_relative_to_each_run(tmp_path: Path) -> None:
    for root in (tmp_path / "a", tmp_path / "b"):
        root.mkdir()
        frame = pd.DataFrame({"path": [f"{root}/x.png"], "kind": ["grey"]})
        frame.astype({"kind": "category"}).to_parquet(root / "t.parquet")
    assert compare_result_dirs(tmp_path / "a", tmp_path / "b") == {}


def test_gres_gpu_count() -> None:
    assert gres_gpu_count("gpu:1") == 1
    assert gres_gpu_count("gpu:a100:2(S:0-1)") == 2
    assert gres_gpu_count("(null)") == 0
    assert gres_gpu_count("gpu:1,gpu:v100:2") == 3


def test_adapt_profile_strips_gpus_on_a_node_without_any() -> None:
    profile = {"default-resources": {"mem_mb": 10}, "set-resources": {"embed": {"gpu": 1}}}
    node = Node(partition="local", cpus=2, memory_mb=3000, gpus=0)
    adapted = adapt_profile_to_node(profile, node, logdir=Path("/tmp/l"), jobname_prefix="t")
    assert {rule: adapted["set-resources"][rule]["gpu"] for rule in GPU_CAPABLE_RULES} == {
        rule: 0 for rule in GPU_CAPABLE_RULES
    }
    with_gpu = adapt_profile_to_node(
        profile, Node("local", 2, 3000, gpus=1), logdir=Path("/tmp/l"), jobname_prefix="t"
    )
    assert with_gpu["set-resources"] == {"embed": {"gpu": 1}}


def test_start_script_does_not_take_a_reused_pid_for_its_daemon(tmp_path: Path) -> None:
    # A pid file left by an earlier container can name a pid that a different process holds
    # now; the start script once skipped starting slurmd for that reason and then timed out.
    other = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "slurmd.pid").write_text(f"{other.pid}\n")
        (tmp_path / "sleep.pid").write_text(f"{other.pid}\n")
        (tmp_path / "gone.pid").write_text("999999999\n")
        probe = (
            f"source {START_SCRIPT}; "
            f"for f in slurmd sleep gone missing; do "
            f"running {tmp_path}/$f.pid && echo $f=yes || echo $f=no; done"
        )
        answers = subprocess.run(
            ["bash", "-c", probe], capture_output=True, text=True, check=True
        ).stdout.split()
    finally:
        other.kill()
        other.wait()
    assert answers == ["slurmd=no", "sleep=yes", "gone=no", "missing=no"]


def test_finished_jobs_and_gpu_instance_jobs() -> None:
    log = (
        "[Tue Dec  1 18:20:18 2026]\nFinished jobid: 154 (Rule: quality_edc)\n"
        "138 of 169 steps (82%) done\nFinished jobid: 0 (Rule: all)\n"
        "Finished jobid: 7 (Rule: quality_edc)\n"
    )
    assert finished_jobs(log) == Counter({"quality_edc": 2, "all": 1})
    comments = [
        f"rule_{TRAIN_RULE}",
        "rule_colourise_wildcards_lfw_trained-unet_s0000",
        "rule_colourise_wildcards_lfw_exemplar-transfer_s0000",
        "rule_colour_fidelity_shard_wildcards_lfw_trained-unet_s0000",
        "rule_colourise_wildcards_lfw_trained-unet-2_s0000",
    ]
    jobs = pd.DataFrame({"Comment": comments})
    jobs = jobs.assign(rule=jobs["Comment"].map(rule_of_comment))
    assert gpu_instance_jobs(jobs, "trained-unet").tolist() == [True, True, False, False, False]


# ------------------------------------------------------------------ the real cluster


def _sinfo_node() -> Node | None:
    if not shutil.which("sinfo"):
        return None
    result = subprocess.run(
        ["sinfo", "--noheader", "--format=%P|%c|%m|%T|%G"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode != 0:
        return None
    for line in result.stdout.splitlines():
        partition, cpus, memory, state, gres = line.strip().split("|")
        if state.rstrip("*") in {"idle", "mixed", "allocated"} and not state.endswith("*"):
            return Node(
                partition.rstrip("*"),
                int(cpus.rstrip("+")),
                int(memory.rstrip("+")),
                gres_gpu_count(gres),
            )
    return None


@pytest.fixture(scope="module")
def slurm_node() -> Node:
    node = _sinfo_node()
    if node is None and os.environ.get("COLOURFR_START_SLURM") == "1":
        if os.geteuid() != 0:
            pytest.skip(
                "COLOURFR_START_SLURM=1 needs root (it installs slurm-wlm and starts daemons)"
            )
        subprocess.run(["bash", str(START_SCRIPT)], check=True, timeout=1800)
        node = _sinfo_node()
    if node is None:
        pytest.skip(
            "no Slurm controller answers `sinfo` with an idle node: run "
            "ci/slurm/start-local-slurm.sh as root, or set COLOURFR_START_SLURM=1"
        )
    return node


def _run(args: list[str], log: Path, cwd: Path, env: dict[str, str]) -> float:
    """Runs a Snakemake command line in cwd; returns its wall time (s)."""
    started = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run(
            args,
            check=False,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-60:])
        raise AssertionError(
            f"{' '.join(args)} failed (rc {result.returncode}); log {log}:\n{tail}"
        )
    return time.monotonic() - started


_FINISHED_JOB = re.compile(r"^Finished jobid: \d+ \(Rule: (\S+)\)$", flags=re.MULTILINE)


def finished_jobs(snakemake_log: str) -> Counter[str]:
    """Rule -> number of jobs a Snakemake run finished, read from its log.

    A dry run cannot tell in advance: the manifest checkpoint adds the per-shard jobs only
    once it has run, so `snakemake -n` on an empty results_dir plans just manifest + all."""
    return Counter(_FINISHED_JOB.findall(snakemake_log))


def gpu_instance_jobs(jobs: pd.DataFrame, colouriser: str) -> pd.Series:
    """Which sacct rows are the training or colourise jobs of `colouriser`."""
    wildcard_values = jobs["Comment"].str.partition("_wildcards_")[2].str.split("_")
    training = jobs["rule"] == "train_" + colouriser.replace("-", "_")
    colourise = (jobs["rule"] == "colourise") & wildcard_values.map(
        lambda values: colouriser in values
    )
    return training | colourise


def snapshot_checkout(repo: Path, dest: Path) -> Path:
    """A copy of the checkout at dest for both runs: its source files (tracked, and
    untracked ones that git does not ignore) and .git, with ../shared linked beside it.

    The two runs take up to half an hour; edits and commits in a shared working tree
    during that time would otherwise reach one run and not the other. With .git copied,
    provenance.md records the same commit in both."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listing.split("\0")):
        source = repo / relative
        if not (source.exists() or source.is_symlink()):  # deleted, not yet staged
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    if (repo / ".git").is_dir():
        shutil.copytree(repo / ".git", dest / ".git", symlinks=True)
    shared = repo.parent / "shared"
    if shared.exists() and not (dest.parent / "shared").exists():
        (dest.parent / "shared").symlink_to(shared.resolve())
    return dest


@pytest.mark.slurm
def test_reduced_workflow_on_slurm_equals_local_run(
    slurm_node: Node, tmp_path_factory: pytest.TempPathFactory, lfw_root: Path
) -> None:
    work = tmp_path_factory.mktemp("slurm")
    # Both runs use one snapshot of the checkout (see snapshot_checkout); PYTHONPATH puts
    # its src/ before the editable install's, in the Slurm jobs too (sbatch --export=ALL).
    repo = snapshot_checkout(REPO, work / "repo")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(repo / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    imported = subprocess.run(
        [sys.executable, "-c", "import colourfr; print(colourfr.__file__)"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(imported).is_relative_to(repo / "src"), imported
    # Each run gets its own root holding results_dir and resources_dir, so that both runs
    # make everything (import_mobilefacenet included) and both trees are compared whole.
    roots = {"local": work / "local", "slurm": work / "slurm"}
    # The self-trained colouriser flagged `gpu: true`: its training and colourise
    # jobs request --gpus=1, which the test node's generic GPU satisfies; torch falls back
    # to the CPU in both runs. It trains with the recipe's `test` preset (seconds instead of
    # ~20 CPU minutes per run): this test is about where jobs run, not about colour.
    gpu_colouriser = "trained-unet"
    shared_overlay = {
        "colourisers": {gpu_colouriser: {"gpu": True, "params": {"profile": "test"}}},
    }
    configs = {}
    for name, root in roots.items():
        overlay = work / f"{name}.yaml"
        overlay.write_text(
            yaml.safe_dump(
                {
                    **shared_overlay,
                    "results_dir": str(root / "results"),
                    "resources_dir": str(root / "resources"),
                }
            )
        )
        configs[name] = [str(repo / "config" / "reduced.yaml"), str(overlay)]
    requested = os.environ.get("COLOURFR_SLURM_TARGETS", "").split()

    def targets(root: Path) -> list[str]:
        return [str(root / "results" / t) for t in requested] if requested else ["all"]

    prefix = f"colourfrtest{uuid.uuid4().hex[:8]}"
    profile_dir = work / "profile"
    profile_dir.mkdir()
    adapted = adapt_profile_to_node(
        load_profile(), slurm_node, logdir=work / "slurm-logs", jobname_prefix=prefix
    )
    (profile_dir / "config.yaml").write_text(yaml.safe_dump(adapted))

    # The local run: the project's default (workflow) profile, one GPU slot.
    local_s = _run(
        [
            SNAKEMAKE,
            *targets(roots["local"]),
            "--cores",
            "2",
            "--resources",
            "gpu=1",
            "--configfile",
            *configs["local"],
        ],
        work / "local.log",
        repo,
        env,
    )
    planned = finished_jobs((work / "local.log").read_text())
    assert planned, f"no finished jobs in {work / 'local.log'}"

    def slurm_run(run_targets: list[str], log: Path) -> float:
        return _run(
            [
                SNAKEMAKE,
                *run_targets,
                "--profile",
                str(profile_dir),
                "--workflow-profile",
                "none",
                "--configfile",
                *configs["slurm"],
            ],
            log,
            repo,
            env,
        )

    # CPU training is not bit-reproducible from one process to the next (see
    # TRAINING_LOSS_RTOL), and everything made with the model inherits its last bits. So
    # the Slurm run trains first, on its own (a GPU job like the others); that training
    # must match the local one within the tolerance. Then the local model replaces it, and
    # the rest of the Slurm run, colourise jobs included, must reproduce the local outputs
    # exactly. The Slurm run's own model is kept in work/slurm-trained-model.
    slurm_logs = []
    slurm_s = 0.0
    local_model = roots["local"] / "results" / "models" / gpu_colouriser
    slurm_model = roots["slurm"] / "results" / "models" / gpu_colouriser
    if planned.get(TRAIN_RULE, 0):
        slurm_logs.append(work / "slurm-train.log")
        slurm_s += slurm_run(
            [str(slurm_model / name) for name in TRAINED_MODEL_FILES], slurm_logs[-1]
        )
        why = training_record_difference(
            json.loads((local_model / "training.json").read_text()),
            json.loads((slurm_model / "training.json").read_text()),
        )
        assert why is None, f"the Slurm run's training differs from the local one: {why}"
        shutil.copytree(slurm_model, work / "slurm-trained-model")
        for name in TRAINED_MODEL_FILES:
            shutil.copyfile(local_model / name, slurm_model / name)
    slurm_logs.append(work / "slurm.log")
    slurm_s += slurm_run(targets(roots["slurm"]), slurm_logs[-1])
    # The same DAG: the Slurm run(s) finished exactly the jobs the local run did.
    assert sum((finished_jobs(log.read_text()) for log in slurm_logs), Counter()) == planned

    jobs = sacct_jobs(prefix)
    jobs = jobs.assign(rule=jobs["Comment"].map(rule_of_comment))
    jobs.to_csv(work / "sacct.csv", index=False)
    submitted = Counter(jobs["rule"])
    local_rules = {"all"}  # target rules run in the main process, never submitted
    assert submitted == Counter({r: n for r, n in planned.items() if r not in local_rules})
    assert (jobs["State"] == "COMPLETED").all(), jobs[jobs["State"] != "COMPLETED"].to_string()

    # GPU placement: exactly the training and colourise jobs of the gpu-flagged
    # instance got a GPU allocated (none at all on a node without GPUs, where the adapted
    # profile strips them).
    has_gpu = jobs["AllocTRES"].str.contains(r"gres/gpu=[1-9]", regex=True)
    expected = gpu_instance_jobs(jobs, gpu_colouriser) & (slurm_node.gpus > 0)
    wrong = jobs[has_gpu != expected]
    assert wrong.empty, "GPU allocation differs from the gpu flags:\n" + wrong.to_string()
    if slurm_node.gpus > 0 and planned.get(TRAIN_RULE, 0):
        assert has_gpu.any(), "no job was allocated a GPU"

    differences = compare_result_dirs(roots["local"], roots["slurm"])
    (work / "summary.txt").write_text(
        f"local run {local_s:.0f} s, Slurm run {slurm_s:.0f} s, {len(jobs)} Slurm jobs "
        f"({int(has_gpu.sum())} with a GPU), {sum(planned.values())} jobs in all, "
        f"node {slurm_node}, differences {len(differences)}\n"
    )
    assert differences == {}, "\n".join(f"{p}: {why}" for p, why in sorted(differences.items()))
