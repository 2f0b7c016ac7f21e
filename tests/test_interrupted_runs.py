"""A run killed in the middle of every stage, then rerun the way docs/datasets.md ("After
a crash") tells a user to, ends with exactly the results of an uninterrupted run.

Both runs use the smallest experiment that still reaches every stage: two LFW subjects of
three images in two shards, one recognition system (ArcFace, whose detections the quality
estimator and skin tone use), one quality estimator, one colouriser (the trained U-Net, so
that training is a stage), the `test` training preset.

Kills come from tests/fault_injection (see its sitecustomize.py): at the first commit of an
output matching each pattern below, the whole run is killed with SIGKILL (a power cut: no
Snakemake clean-up, its lock left behind), or, for ``job:`` patterns, that job alone (the
out-of-memory killer, a cluster's time limit). Each pattern fires once; the run is repeated
until it succeeds. Job kills of independent stages fire in the same run, so the number of
reruns stays small. The first power cut is met as a user meets it (the locked directory
and its --unlock hint); after later ones the test unlocks at once, as a user who has seen
it once does.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from helpers.checkout import snapshot_checkout
from helpers.results import compare_result_dirs
from helpers.snakemake import REPO

#: One kill per stage, in roughly the order the stages run; each names an output of the
#: second shard or a later scenario (not the stage's first job), through every kind of
#: writer: CSV with a completion marker, image folders, the torch checkpoint, Parquet with
#: its NumPy twin, JSON, figures, the pipeline figure's shell + Python, Markdown. Power
#: cuts (no ``job:``) where Snakemake's own record of the run is at stake: the checkpoint
#: (the DAG changes after it), a folder output (marked incomplete, not removed), the long
#: training job; single jobs elsewhere, several of which fire in one run.
KILLS = (
    "*/tiny/manifest.csv",  # the checkpoint
    "*/variants/grey/s0001",  # greyscale: one shard's image folder
    "*/models/trained-unet/generator.pth",  # training: the checkpoint, before its record
    "job:*/variants/colourised-trained-unet/s0001.json",  # colourise: after images and index
    "job:*/quality/iso29794-5/grey/s0001.csv",  # quality estimation
    "job:*/colour_fidelity/trained-unet/s0001.csv",  # colour fidelity
    "job:*/recognition/arcface-mobilefacenet/colourised-trained-unet/s0001.parquet",  # embed
    "job:*/skin_tone/shards/s0001.parquet",  # skin tone per image
    "job:*/scores/paper/arcface-mobilefacenet/s4-*.parquet",  # comparison
    "job:*/identification/paper/arcface-mobilefacenet/s3.parquet",  # identification
    "job:*/metrics/paper/arcface-mobilefacenet/performance.json",  # metrics
    "job:*/tables/quality_statistics.csv",  # quality statistics table
    "job:*/figures/fta_rescued_arcface-mobilefacenet_*.png",  # report figures
    "job:*/figures/.pipeline_figures.*/dag.pdf",  # the pipeline figure
    "job:*/provenance.md",  # provenance, among the last
)


def tiny_config(results: Path, dataset: Path) -> dict:
    return {
        "results_dir": str(results),
        "datasets": {"tiny": {"format": "folder", "root": str(dataset), "protocols": ["paper"]}},
        "sharding": {"shard_size": 3},
        "metrics": {"bootstrap": {"replicates": 20}},
        "colourisers": {
            "exemplar-transfer": {"enabled": False},
            "trained-unet": {"params": {"profile": "test"}},
        },
        "recognition": {"dlib-resnet": {"enabled": False}},
        "quality": {"lightqnet": {"enabled": False}},  # one estimator reaches the stage
    }


def run_until_done(snakemake, configs: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    """Reruns the command until it succeeds, unlocking after a power cut as the docs say;
    returns what each failed attempt met."""
    history: list[str] = []
    for _ in range(3 * len(KILLS)):
        result = snakemake.run(*configs, check=False, env=env, cwd=cwd, new_session=True)
        output = result.stdout + result.stderr
        if result.returncode == 0:
            return history
        if "Directory cannot be locked" in output:
            assert "--unlock" in output
            history.append("locked")
            snakemake.run(*configs, "--unlock", env=env, cwd=cwd, new_session=True)
            continue
        history.append("killed" if result.returncode < 0 else "job failed")
        assert result.returncode == -9 or "job(s) failed" in output, output[-5000:]
        if result.returncode == -9 and "locked" in history:
            snakemake.run(*configs, "--unlock", env=env, cwd=cwd, new_session=True)
    raise AssertionError(f"still failing after {len(history)} runs: {history}")


def test_a_run_killed_in_every_stage_ends_with_the_results_of_an_uninterrupted_one(
    snakemake, fault_injection, tiny_dataset: Path, tmp_path: Path
) -> None:
    # A checkout of its own: --unlock clears every lock of a working directory, and the
    # other tests' runs share this one's.
    checkout = snapshot_checkout(REPO, tmp_path / "work" / "repo")
    roots = {name: tmp_path / name for name in ("reference", "interrupted")}
    configs = {}
    for name, results in roots.items():
        results.mkdir()
        # Each run keeps its overlay inside its results folder (compared as well).
        overlay = results / "overlay.yaml"
        overlay.write_text(yaml.safe_dump(tiny_config(results, tiny_dataset)))
        configs[name] = ["--configfile", str(overlay)]
    snakemake.run(*configs["reference"], cwd=checkout)

    state = tmp_path / "fired"
    state.mkdir()
    env = fault_injection(list(KILLS), state=state)
    history = run_until_done(snakemake, configs["interrupted"], env, checkout)

    fired = {marker.read_text() for marker in state.iterdir()}
    assert fired == set(KILLS), f"never written, so never killed: {set(KILLS) - fired}"
    assert "locked" in history and "job failed" in history, history
    dry_run = snakemake.run(*configs["interrupted"], "--dry-run", env=env, cwd=checkout)
    assert "Nothing to be done" in dry_run.stdout
    assert compare_result_dirs(roots["reference"], roots["interrupted"]) == {}
