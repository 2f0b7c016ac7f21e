"""A run killed in the middle of every stage, then rerun the way docs/recovery.md tells a
user to, ends with exactly the results of an uninterrupted run.

Kills come from tests/fault_injection (see its sitecustomize.py): at the first commit of an
output matching each pattern below, the whole run is killed with SIGKILL (a power cut: no
Snakemake clean-up, its lock left behind), or, for ``job:`` patterns, that job alone (the
out-of-memory killer, a cluster's time limit). Each pattern fires once; the run is repeated
until it succeeds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_slurm import compare_result_dirs

REPO = Path(__file__).resolve().parents[1]
FAULT_INJECTION = Path(__file__).resolve().parent / "fault_injection"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

# Roughly in the order the stages run; each names outputs written in the middle of its
# stage (not its first or last job), through every kind of writer.
KILLS = (
    "*/lfw/manifest.csv",  # the checkpoint (CSV with completion marker)
    "*/variants/grey/s0003",  # greyscale: one shard's image folder
    "*/models/trained-unet/generator.pth",  # training: the checkpoint, before its record
    "job:*/variants/colourised-exemplar-transfer/s0002",  # one colourise job alone
    "*/variants/colourised-trained-unet/s0005.json",  # colourise: after images and index
    "*/quality/lightqnet/grey/s0001.csv",  # quality estimation
    "*/colour_fidelity/trained-unet/s0004.csv",  # colour fidelity
    "*/recognition/arcface-mobilefacenet/colourised-trained-unet/s0003.parquet",  # embed
    "job:*/recognition/dlib-resnet/grey/s0006.parquet",  # embed, one job alone
    "*/scores/paper/dlib-resnet/s4-*.parquet",  # comparison
    "*/metrics/paper/arcface-mobilefacenet/performance.json",  # metrics
    "*/figures/paper/dlib-resnet/det.pdf",  # metrics' figures
    "*/tables/quality_statistics.csv",  # quality statistics table
    "*/figures/fta_rescued_dlib-resnet_*.png",  # report figures
    "*/figures/.pipeline_figures.*/dag.pdf",  # the pipeline figure (shell + Python)
    "*/provenance.md",  # provenance, last
)


def run(configs: list[str], env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SNAKEMAKE, "--cores", "2", *configs, *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=3000,
        check=False,
        start_new_session=True,  # the kills end this session, never the test
    )


@pytest.mark.skipif(
    not (REPO.parent / "shared" / "data" / "lfw" / "pairs.txt").is_file(),
    reason="../shared LFW not available",
)
def test_a_run_killed_in_every_stage_ends_with_the_results_of_an_uninterrupted_one(
    reduced_experiment: tuple[Path, list[str]], tmp_path: Path
) -> None:
    reference, _ = reduced_experiment
    results = tmp_path / "results"
    results.mkdir()
    overlay = results / "overlay.yaml"  # where the reference run keeps its own (compared)
    overlay.write_text(yaml.safe_dump({"results_dir": str(results)}))
    configs = ["--configfile", str(REPO / "config" / "reduced.yaml"), str(overlay)]
    state = tmp_path / "fired"
    state.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(FAULT_INJECTION), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        "COLOURFR_KILL_BEFORE_COMMIT": ";".join(KILLS),
        "COLOURFR_KILL_STATE": str(state),
    }

    history = []
    for _ in range(3 * len(KILLS)):
        result = run(configs, env)
        output = result.stdout + result.stderr
        if result.returncode == 0:
            break
        if "Directory cannot be locked" in output:
            # What docs/recovery.md says after a power cut or kill -9.
            assert "--unlock" in output
            history.append("locked")
            unlocked = run(configs, env, "--unlock")
            assert unlocked.returncode == 0, unlocked.stdout + unlocked.stderr
            continue
        history.append("killed" if result.returncode < 0 else "job failed")
        assert result.returncode == -9 or "job(s) failed" in output, output[-5000:]
    else:
        raise AssertionError(f"still failing after {len(history)} runs: {history}")

    fired = {marker.read_text() for marker in state.iterdir()}
    assert fired == set(KILLS), f"never written, so never killed: {set(KILLS) - fired}"
    # A job killed alone fails its run, unless a job still running then hits a whole-run
    # pattern; either way the next run must recover.
    assert history.count("locked") >= 1, history
    assert "Nothing to be done" in run(configs, env, "--dry-run").stdout
    differences = compare_result_dirs(reference, results)
    differences.pop("report.html", None)  # test_experiment adds it to the reference
    assert differences == {}
