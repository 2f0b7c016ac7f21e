"""A plugin distribution, pip-installed next to colourfr and named only in a config file,
runs through the whole workflow: the worked example in
examples/colourfr-plugin-example, and a package the repository has never seen."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.packages import environment_with, pip_install_target

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "colourfr-plugin-example"
RECOGNISER = REPO / "examples" / "colourfr-lbp-recogniser"
EXAMPLES = {"colourfr-plugin-example": EXAMPLE, "colourfr-lbp-recogniser": RECOGNISER}


def run(command: list[str], env: dict[str, str], cwd: Path = REPO) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def example_run(
    snakemake, tmp_path_factory: pytest.TempPathFactory, tiny_dataset: Path
) -> tuple[Path, dict]:
    """Both example packages' configs on the tiny dataset (two subjects), then the
    report."""
    work = tmp_path_factory.mktemp("plugin-example")
    env = environment_with(EXAMPLES, work / "site")
    overlay = work / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({
        "results_dir": str(work / "results"),
        "datasets": {
            "lfw": {"enabled": False},
            "tiny": {"format": "folder", "root": str(tiny_dataset), "protocols": ["paper"]},
        },
        "sharding": {"shard_size": 3},
    }))  # fmt: skip
    configs = [
        str(REPO / "config" / "reduced.yaml"),
        str(EXAMPLE / "config.yaml"),
        str(RECOGNISER / "config.yaml"),
        str(overlay),
    ]
    snakemake.run("--configfile", *configs, env=env)
    snakemake.run(
        "--configfile", *configs, "--report", str(work / "report.html"), env=env, cores=None
    )
    return work, env


@pytest.mark.parametrize("package", sorted(EXAMPLES))
def test_example_package_unit_tests_pass(example_run: tuple[Path, dict], package: str) -> None:
    _, env = example_run
    tests = EXAMPLES[package] / "tests"
    run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)], env)


def test_the_example_recogniser_reaches_every_table(example_run: tuple[Path, dict]) -> None:
    work, _ = example_run
    tiny = work / "results" / "tiny"
    performance = pd.read_csv(tiny / "metrics" / "paper" / "lbp" / "performance.csv")
    assert {"s1", "s2", "s3", "s4-mean-chroma", "s5-mean-chroma"} <= set(performance["file"])
    records = pd.read_parquet(tiny / "recognition" / "lbp" / "original" / "s0000.parquet")
    assert set(records["selection_rule"]) == {"largest"}  # the base class's default
    assert (tiny / "identification" / "paper" / "lbp" / "identification.csv").is_file()
    assert "recognition system lbp" in (work / "report.html").read_text(errors="replace")
    provenance = (work / "results" / "provenance.md").read_text()
    assert "| colourfr-lbp-recogniser | 0.1.0 |" in provenance


def test_example_plugins_reach_tables_figures_and_report(example_run: tuple[Path, dict]) -> None:
    work, _ = example_run
    lfw = work / "results" / "tiny"
    # The colouriser's palette was fitted by the artifact rule its plan declared.
    palette = json.loads((work / "results" / "models" / "mean-chroma" / "palette.json").read_text())
    assert palette["n_images"] == 100 and 0 < palette["a_star"] < 40
    assert (work / "results" / "logs" / "artifacts" / "fit_mean_chroma.log").is_file()
    performance = pd.read_csv(lfw / "metrics" / "paper" / "dlib-resnet" / "performance.csv")
    assert {"s4-mean-chroma", "s5-mean-chroma"} <= set(performance["file"])
    statistics = pd.read_csv(lfw / "tables" / "quality_statistics.csv")
    assert set(statistics.loc[statistics["estimator"] == "sharpness", "variant"]) == {
        "original", "grey", "colourised-mean-chroma",
    }  # fmt: skip
    assert (lfw / "figures" / "quality_cdf_sharpness.pdf").stat().st_size > 0
    assert (lfw / "figures" / "fta_rescued_dlib-resnet_mean-chroma.png").stat().st_size > 0
    report = (work / "report.html").read_text(errors="replace")
    assert "mean-chroma" in report and "sharpness" in report
    provenance = (work / "results" / "provenance.md").read_text()
    # An extension of the locked environment, not drift.
    assert "with plugin packages colourfr-lbp-recogniser 0.1.0, colourfr-plugin-example 0.1.0" in (
        provenance
    )
    assert (
        "### Plugin packages" in provenance and "| colourfr-plugin-example | 0.1.0 |" in provenance
    )


NEW_PLUGIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=77"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "never-seen-colouriser"
        version = "1.0"
        [project.entry-points."colourfr.colourisers"]
        inverted = "never_seen:SPEC"
        """,
    "never_seen.py": """
        import numpy as np
        from colourfr.registry import PluginSpec

        class Inverted:
            name = "inverted"
            def colourise(self, greys):
                return [np.repeat((255 - g)[..., None], 3, axis=2) for g in greys]
            def provenance(self):
                return {"colouriser": self.name}

        SPEC = PluginSpec(name="inverted", factory="never_seen:Inverted",
                          summary="inverts the grey image (test plugin)")
        """,
}


def test_a_package_the_repository_has_never_seen_plans_into_the_dag(
    snakemake, tmp_path: Path, lfw_root: Path
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    for name, text in NEW_PLUGIN.items():
        (package / name).write_text(textwrap.dedent(text))
    env = pip_install_target(package, tmp_path / "site")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "results_dir": str(tmp_path / "results"),
        "colourisers": {"trained-unet": {"enabled": False}, "mine": {"plugin": "inverted"}},
    }))  # fmt: skip
    plugins = run([sys.executable, "-m", "colourfr.cli", "plugins"], env)
    assert "colourisers\tinverted\tnever-seen-colouriser\t" in plugins
    manifest = tmp_path / "results" / "lfw" / "manifest.csv"
    configs = [str(REPO / "config" / "reduced.yaml"), str(config)]
    snakemake.run(str(manifest), "--configfile", *configs, env=env)
    planned = snakemake.run("--dry-run", "--configfile", *configs, env=env)
    assert "colourised-mine" in planned.stdout + planned.stderr
    assert "s4-mine" in planned.stdout + planned.stderr
    # Without the package installed, the config names a plugin that is not there.
    missing = snakemake.run("--dry-run", "--configfile", *configs, check=False)
    assert missing.returncode != 0
    assert "colourisers.mine.plugin: unknown colouriser plugin 'inverted'; installed:" in (
        missing.stdout + missing.stderr
    )
