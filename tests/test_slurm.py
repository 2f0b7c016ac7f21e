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

import pandas as pd
import pytest
import yaml
from helpers.checkout import snapshot_checkout
from helpers.results import compare_result_dirs, training_record_difference

REPO = Path(__file__).resolve().parents[1]
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

# What the training artifact writes (colourfr.colourisers.plans.TRAINED_MODEL_FILES).
TRAINED_MODEL_FILES = ("generator.pth", "training.json", "training_subjects.txt")
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


@pytest.mark.slurm
def test_reduced_workflow_on_slurm_equals_local_run(
    snakemake, slurm_node: Node, tmp_path_factory: pytest.TempPathFactory, lfw_root: Path
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
            snakemake.executable,
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
                snakemake.executable,
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
