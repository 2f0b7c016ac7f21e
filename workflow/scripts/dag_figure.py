"""Snakemake script: the pipeline figure (rule graph and job DAG) of this run's config.

The nested Snakemake gets the run's effective config (every --configfile and --config
merged) as one file, so the figure shows the workflow that actually runs. Everything is
built in a hidden folder beside the outputs and moved into place at the end, so that a
killed job leaves no figure that looks complete.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from colourfr.logs import setup_script_logging
from colourfr.reporting.figures import normalise_pdf_dates

log = setup_script_logging(snakemake)
output = snakemake.output
folder = Path(output.rulegraph_svg).parent
folder.mkdir(parents=True, exist_ok=True)
for stale in folder.glob(".pipeline_figures.*"):  # left by a killed job
    shutil.rmtree(stale, ignore_errors=True)
build = Path(tempfile.mkdtemp(dir=folder, prefix=".pipeline_figures."))


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


try:
    config_file = build / "config.yaml"
    config_file.write_text(yaml.safe_dump(dict(snakemake.config), sort_keys=False))
    nested = [
        sys.executable,
        "-m",
        "snakemake",
        "all",
        "--snakefile",
        snakemake.params.snakefile,
        "--nolock",
        "--configfile",
        str(config_file),
    ]
    # A fixed hash seed: Snakemake writes the graph's edges in set order.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    for kind, formats in (("rulegraph", ("svg", "pdf", "png")), ("dag", ("svg", "pdf"))):
        dot_file = build / f"{kind}.dot"
        dot_file.write_text(run([*nested, f"--{kind}", "dot"], env))
        for fmt in formats:
            extra = ["-Gdpi=150"] if fmt == "png" else []
            run(["dot", f"-T{fmt}", *extra, str(dot_file), "-o", str(build / f"{kind}.{fmt}")])
        if "pdf" in formats:
            normalise_pdf_dates(build / f"{kind}.pdf")
    for name, path in (
        ("rulegraph.svg", output.rulegraph_svg),
        ("rulegraph.pdf", output.rulegraph_pdf),
        ("rulegraph.png", output.rulegraph_png),
        ("dag.svg", output.dag_svg),
        ("dag.pdf", output.dag_pdf),
    ):
        os.replace(build / name, path)
    log.info("pipeline figures written to %s", folder)
finally:
    shutil.rmtree(build, ignore_errors=True)
