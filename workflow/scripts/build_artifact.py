"""Snakemake script: make one build artifact of a plugin plan (rules/artifacts.smk)."""

from colourfr.jobs import run_build_artifact
from colourfr.logs import setup_script_logging

log = setup_script_logging(snakemake)
log.info("artifact %s: %s", snakemake.params.artifact, snakemake.params.function)
run_build_artifact(snakemake)
