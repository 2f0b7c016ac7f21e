"""The Snakemake workflow: lint, the frame stages on a reduced config, and that a changed
setting reruns only the descendants of what changed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def snakemake(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [SNAKEMAKE, "--cores", "2", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def planned_jobs(targets: list[str], config_args: list[str]) -> dict[str, int]:
    """Rule -> job count that a dry run would execute."""
    # Targets first: --quiet and --configfile take several values.
    output = snakemake(*targets, "--dry-run", "--quiet", "rules", *config_args).stdout
    counts: dict[str, int] = {}
    in_table = False
    for line in output.splitlines():
        if line.startswith("job") and "count" in line:
            in_table = True
            continue
        match = re.match(r"^(\S+)\s+(\d+)$", line.strip())
        if in_table and match and match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


@pytest.fixture(scope="module")
def reduced(tmp_path_factory: pytest.TempPathFactory, lfw_root: Path) -> tuple[Path, Path]:
    """A reduced config writing into a temporary results folder."""
    results = tmp_path_factory.mktemp("results")
    overlay = results / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"results_dir": str(results)}))
    return results, overlay


def configs(overlay: Path, *extra: Path) -> list[str]:
    return ["--configfile", str(REPO / "config" / "reduced.yaml"), str(overlay), *map(str, extra)]


def test_lint_is_clean() -> None:
    result = snakemake("--lint", check=False)
    assert "Lints for" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert result.returncode == 0


def test_bad_config_fails_at_parse_time(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"recognition": {"arcface-mobilefacenet": {"plugin": "arcfcae"}}}))
    result = snakemake("--dry-run", "--configfile", str(bad), check=False)
    assert result.returncode != 0
    assert "recognition.arcface-mobilefacenet.plugin: unknown recognition system plugin 'arcfcae'" in (
        result.stdout + result.stderr
    )


def test_frame_stages_on_reduced_lfw(reduced: tuple[Path, Path]) -> None:
    results, overlay = reduced
    manifest_file = results / "lfw" / "manifest.csv"
    snakemake(str(manifest_file), *configs(overlay))
    manifest = pd.read_csv(manifest_file, dtype=str, keep_default_na=False)
    assert manifest["subject_id"].nunique() == 6
    train_people = (REPO.parent / "shared/data/lfw/peopleDevTrain.txt").read_text()
    assert not any(f"\n{s}\t" in train_people for s in manifest["subject_id"])  # training split excluded
    shards = sorted(manifest["shard"].unique())
    targets = [str(results / "lfw" / "tables" / "dataset_overview.csv")] + [
        str(results / "lfw" / "variants" / "grey" / f"{s}.csv") for s in shards
    ]
    snakemake(*targets, *configs(overlay))

    overview = pd.read_csv(results / "lfw" / "tables" / "dataset_overview.csv").iloc[0]
    assert overview["subjects"] == 6 and overview["references"] == 6
    assert overview["genuine_comparisons"] == len(manifest) - 6
    assert overview["impostor_comparisons"] == (len(manifest) - 6) * 5
    assert (results / "lfw" / "tables" / "dataset_overview.md").read_text().startswith("# Dataset")

    grey = pd.concat(pd.read_csv(t, dtype=str, keep_default_na=False) for t in targets[1:])
    assert len(grey) == len(manifest) and (grey["status"] == "ok").all()
    image = Image.open(grey["path"].iloc[0])
    assert image.mode == "L" and image.size == (250, 250)

    # Nothing left to do for these targets: the DAG is stable.
    assert planned_jobs(targets, configs(overlay)) == {}


def test_changed_colouriser_setting_reruns_only_its_descendants(
    reduced: tuple[Path, Path], tmp_path: Path
) -> None:
    results, overlay = reduced
    manifest = pd.read_csv(results / "lfw" / "manifest.csv", dtype=str)
    shards = sorted(manifest["shard"].unique())

    def colourised(name: str) -> list[str]:
        return [str(results / "lfw" / "variants" / f"colourised-{name}" / f"{s}.csv") for s in shards]

    grey = [str(results / "lfw" / "variants" / "grey" / f"{s}.csv") for s in shards]
    snakemake(*colourised("exemplar-transfer"), *configs(overlay))
    assert planned_jobs(grey + colourised("exemplar-transfer"), configs(overlay)) == {}

    changed = tmp_path / "changed.yaml"
    changed.write_text(
        yaml.safe_dump({"colourisers": {"exemplar-transfer": {"params": {"n_samples": 128}}}})
    )
    plan = planned_jobs(grey + colourised("exemplar-transfer"), configs(overlay, changed))
    assert plan == {"colourise": len(shards)}

    first = Image.open(
        pd.read_csv(colourised("exemplar-transfer")[0], dtype=str)["path"].iloc[0]
    )
    assert np.asarray(first).shape == (250, 250, 3)


def test_dag_figure(reduced: tuple[Path, Path]) -> None:
    results, overlay = reduced
    figure = results / "figures" / "pipeline_rulegraph.svg"
    snakemake(str(figure), *configs(overlay))
    svg = figure.read_text()
    assert "<svg" in svg
    for stage in ("manifest", "greyscale", "colourise", "embed", "compare"):
        assert f">{stage}<" in svg, f"rule graph lacks {stage}"
    assert (results / "figures" / "pipeline_rulegraph.pdf").read_bytes().startswith(b"%PDF")
