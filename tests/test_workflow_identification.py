"""Identification mode in the workflow (on by default): on a copy of the reduced
experiment's results with one system's identification outputs deleted, the run redoes only the
identify and identification_metrics jobs, whose numbers follow from the search tables and
agree with the score files; `identification.enabled: false` asks for none of them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import yaml
from helpers.snakemake import reduced_config_args

from colourfr.identification import closed_set
from colourfr.metrics.identification import cmc, searches
from colourfr.scores import read_scores


def test_identification_on_the_reduced_experiment(
    snakemake, experiment_copy: Path, tmp_path: Path
) -> None:
    results = experiment_copy
    system = "arcface-mobilefacenet"
    folder = results / "lfw" / "identification" / "paper" / system
    assert (folder / "identification.csv").is_file()  # part of the default run
    # One system's identification outputs: enough to see what reruns, and half the jobs.
    shutil.rmtree(folder)
    for figure in (results / "lfw" / "figures" / "paper" / system).glob("*"):
        if figure.stem in ("cmc", "fnir_fpir"):
            figure.unlink()

    def run(*extra: str, overlay: dict[str, object]) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "overlay.yaml"
        path.write_text(yaml.safe_dump({"results_dir": str(results), **overlay}))
        return snakemake.run(*extra, *reduced_config_args(path), check=False)

    off = run("-n", overlay={"identification": {"enabled": False}})
    assert off.returncode == 0, off.stdout[-3000:] + off.stderr[-3000:]
    planned = set(re.findall(r"^(?:local)?rule (\w+):", off.stdout + off.stderr, re.MULTILINE))
    assert not planned & {"identify", "identification_metrics"}
    done = run(overlay={})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ran = set(re.findall(r"^(?:local)?rule (\w+):", done.stdout + done.stderr, re.MULTILINE))
    assert {"identify", "identification_metrics"} <= ran
    assert not ran & {"embed", "compare", "colourise", "metrics"}

    table = pd.read_csv(folder / "identification.csv")
    s1 = pd.read_parquet(folder / "s1.parquet")
    # The closed-set ranks equal those of the baseline's all-vs-all score file.
    by_file = searches(read_scores(results / "lfw" / "scores" / "paper" / system / "s1.parquet"))
    found = closed_set(s1)
    order = [list(found.probes).index(p) for p in by_file.probes]
    assert found.rank[order].tolist() == by_file.rank.tolist()
    rank1 = table.loc[table["scenario"] == "s1", "rank1"].iloc[0]
    assert rank1 == cmc(found, 1)[0]
    # Half of the six subjects are withheld: their probes are the non-mated searches.
    assert s1["mated_open"].sum() < s1["mated_closed"].sum() == len(s1)
    assert set(table["fpir_target"]) == {0.1, 0.01}
    assert (table["fpir"].dropna() <= table.loc[table["fpir"].notna(), "fpir_target"]).all()
    page = (folder / "identification.html").read_text()
    assert "<td>grey / grey</td>" in page and "Rank-1 (%)" in page
    for name in ("cmc", "fnir_fpir"):
        figure = results / "lfw" / "figures" / "paper" / system / f"{name}.png"
        assert figure.read_bytes().startswith(b"\x89PNG")
    tests = pd.read_csv(folder / "mcnemar_rank1.csv")
    assert set(tests["scenario_a"]) == {"s2", "s3"}  # grey against colourised
