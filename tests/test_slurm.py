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
import io
import json
import os
import re
import shutil
import subprocess
import sys
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

# Outputs that legitimately differ between two runs: logs and benchmark timings. Every
# other file must be equal (tables as tables, images as pixels, the rest as bytes).
DIFFERING_BY_NATURE = (
    re.compile(r"(^|/)logs/"),
    re.compile(r"(^|/)benchmarks?/"),
    re.compile(r"\.log$"),
)
# Keys of JSON outputs that record when/where/how long a job ran rather than what it made.
RUN_DEPENDENT_JSON_KEYS = frozenset(
    {
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


def adapt_profile_to_node(
    profile: dict[str, Any], node: Node, *, logdir: Path, jobname_prefix: str
) -> dict[str, Any]:
    """The Slurm profile as the one-node test cluster can run it.

    Drops what the node cannot honour (UNSATISFIABLE_ON_TEST_NODE), caps cpus_per_task and
    mem_mb at the node's size (a request above it is rejected by sbatch), names the
    partition, and polls sooner. Everything else (runtime, gpu, the per-rule entries)
    goes to Slurm as written."""
    adapted = copy.deepcopy(profile)
    defaults = adapted.setdefault("default-resources", {})
    per_rule = adapted.setdefault("set-resources", {})
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


def _table(path: Path, results_dir: str) -> pd.DataFrame:
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
    else:
        text = path.read_text().replace(results_dir, "<results>")
        table = pd.read_csv(io.StringIO(text), sep="\t" if path.suffix == ".tsv" else ",")
    return table.reset_index(drop=True)


def output_difference(first: Path, second: Path, first_root: Path, second_root: Path) -> str | None:
    """Why two output files differ, or None if they hold the same result.

    Absolute paths into each run's results_dir are compared relative to it; tables are
    compared as tables (parquet metadata may differ), raster images as pixels (PNG
    metadata may differ), JSON without run-dependent keys, anything else as bytes."""
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
        if suffix in {".md", ".tex", ".txt", ".svg", ".dot"}:
            a_text = first.read_text().replace(roots[0], "<results>")
            b_text = second.read_text().replace(roots[1], "<results>")
            return None if a_text == b_text else "text differs"
    except (AssertionError, ValueError) as error:
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return None if first.read_bytes() == second.read_bytes() else "bytes differ"


def compare_result_dirs(first: Path, second: Path) -> dict[str, str]:
    """relative path -> why it differs (missing on one side included), over both trees."""

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
    for path in sorted(first_files & second_files):
        why = output_difference(first / path, second / path, first, second)
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
    assert profile["set-resources"]["embed_gpu"]["gpu"] == 1
    for resources in [profile["default-resources"], *profile["set-resources"].values()]:
        # slurm_extra '--gres=gpu...' next to gpu= would be rejected by the plugin.
        assert "gres" not in str(resources.get("slurm_extra", "")), resources
        # A constant gpu on a rule shared by CPU and GPU instances would send the CPU
        # instances to GPU nodes; those rules take gpu from the instance's config.
    for shared_rule in (
        "colourise",
        "quality_score",
        "quality_score_tf",
        "embed",
        "train_colouriser",
    ):
        assert "gpu" not in profile["set-resources"][shared_rule]


def test_workflow_rules_take_gpu_from_the_instance_config() -> None:
    # The profile relies on these rules declaring gpu per instance (gpu_resources(...)).
    text = "\n".join(p.read_text() for p in (REPO / "rules").glob("*.smk"))
    for rule in ("colourise", "embed", "quality_score", "train_colouriser"):
        body = re.search(
            rf"^(?:rule|checkpoint) {rule}:\n(.*?)(?=^\S)", text, flags=re.MULTILINE | re.DOTALL
        )
        assert body and re.search(r"gpu\s*=\s*lambda \w+: gpu_resources\(", body.group(1)), rule


def test_adapt_profile_to_node_caps_and_strips() -> None:
    profile = {
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


# ------------------------------------------------------------------ the real cluster


def _sinfo_node() -> Node | None:
    if not shutil.which("sinfo"):
        return None
    result = subprocess.run(
        ["sinfo", "--noheader", "--format=%P|%c|%m|%T"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode != 0:
        return None
    for line in result.stdout.splitlines():
        partition, cpus, memory, state = line.strip().split("|")
        if state.rstrip("*") in {"idle", "mixed", "allocated"} and not state.endswith("*"):
            return Node(partition.rstrip("*"), int(cpus.rstrip("+")), int(memory.rstrip("+")))
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


def _run(args: list[str], log: Path) -> None:
    with log.open("w") as out:
        result = subprocess.run(
            args,
            check=False,
            cwd=REPO,
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


def _planned_jobs(configs: list[str], targets: list[str]) -> Counter[str]:
    """Rule -> number of jobs a dry run plans (the Slurm run must submit exactly these)."""
    result = subprocess.run(
        [
            SNAKEMAKE,
            "--dry-run",
            "--quiet",
            "rules",
            "--workflow-profile",
            "none",
            "--cores",
            "1",
            *targets,
            "--configfile",
            *configs,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    counts: Counter[str] = Counter()
    in_table = False
    for line in result.stdout.splitlines():
        if line.startswith("job") and "count" in line:
            in_table = True
            continue
        match = re.match(r"^(\S+)\s+(\d+)$", line.strip())
        if in_table and match and match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
        elif in_table and line.strip() == "":
            break
    return counts


@pytest.mark.slurm
def test_reduced_workflow_on_slurm_equals_local_run(
    slurm_node: Node, tmp_path_factory: pytest.TempPathFactory, lfw_root: Path
) -> None:
    work = tmp_path_factory.mktemp("slurm")
    local_results, slurm_results = work / "local", work / "slurm"
    # The self-trained colouriser flagged `gpu: true`: its train_colouriser and colourise
    # jobs request --gpus=1, which the test node's generic GPU satisfies; torch falls back
    # to the CPU in both runs. It trains with the recipe's `test` preset (seconds instead of
    # ~20 CPU minutes per run): this test is about where jobs run, not about colour.
    gpu_colouriser = "trained-unet"
    shared_overlay = {
        "colourisers": {gpu_colouriser: {"gpu": True, "params": {"profile": "test"}}},
    }
    configs = {}
    for name, results in (("local", local_results), ("slurm", slurm_results)):
        overlay = work / f"{name}.yaml"
        overlay.write_text(yaml.safe_dump({**shared_overlay, "results_dir": str(results)}))
        configs[name] = [str(REPO / "config" / "reduced.yaml"), str(overlay)]
    requested = os.environ.get("COLOURFR_SLURM_TARGETS", "").split()

    def targets(results: Path) -> list[str]:
        return [str(results / t) for t in requested] if requested else ["all"]

    prefix = f"colourfrtest{uuid.uuid4().hex[:8]}"
    profile_dir = work / "profile"
    profile_dir.mkdir()
    adapted = adapt_profile_to_node(
        load_profile(), slurm_node, logdir=work / "slurm-logs", jobname_prefix=prefix
    )
    (profile_dir / "config.yaml").write_text(yaml.safe_dump(adapted))

    # The local run: the project's default (workflow) profile, one GPU slot.
    _run(
        [
            SNAKEMAKE,
            *targets(local_results),
            "--cores",
            "2",
            "--resources",
            "gpu=1",
            "--configfile",
            *configs["local"],
        ],
        work / "local.log",
    )

    planned = _planned_jobs(configs["slurm"], targets(slurm_results))
    _run(
        [
            SNAKEMAKE,
            *targets(slurm_results),
            "--profile",
            str(profile_dir),
            "--workflow-profile",
            "none",
            "--configfile",
            *configs["slurm"],
        ],
        work / "slurm.log",
    )

    jobs = sacct_jobs(prefix)
    jobs = jobs.assign(rule=jobs["Comment"].map(rule_of_comment))
    submitted = Counter(jobs["rule"])
    local_rules = {"all"}  # target rules run in the main process, never submitted
    assert submitted == Counter({r: n for r, n in planned.items() if r not in local_rules})
    assert (jobs["State"] == "COMPLETED").all(), jobs[jobs["State"] != "COMPLETED"].to_string()

    # GPU placement: exactly the jobs of the gpu-flagged instance got a GPU allocated.
    has_gpu = jobs["AllocTRES"].str.contains("gres/gpu=1", regex=False)
    gpu_jobs = jobs[has_gpu]
    assert not gpu_jobs.empty or planned.get("colourise", 0) == 0
    assert gpu_jobs["Comment"].str.contains(gpu_colouriser, regex=False).all(), gpu_jobs.to_string()
    expected_gpu_rules = {
        "colourise",
        "train_colouriser",
        "embed_gpu",
        "quality_score",
        "quality_score_tf",
    }
    assert set(gpu_jobs["rule"]) <= expected_gpu_rules
    cpu_colourise = jobs[(jobs["rule"] == "colourise") & ~has_gpu]
    assert not cpu_colourise["Comment"].str.contains(gpu_colouriser, regex=False).any()

    differences = compare_result_dirs(local_results, slurm_results)
    assert differences == {}, "\n".join(f"{p}: {why}" for p, why in sorted(differences.items()))
