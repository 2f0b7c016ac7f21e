"""Snakemake script: provenance (versions, model digests, config, git commit)."""

from pathlib import Path

from colourfr.logs import setup_script_logging
from colourfr.reporting.provenance import model_files, provenance_markdown

setup_script_logging(snakemake)  # noqa: F821
config = snakemake.params.config  # noqa: F821
models = model_files(config, snakemake.params.model_dirs)  # noqa: F821
text = provenance_markdown(config, snakemake.params.repository, models)  # noqa: F821
Path(snakemake.output[0]).write_text(text)  # noqa: F821
