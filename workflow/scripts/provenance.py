"""Snakemake script: provenance (versions, model digests, config, git commit)."""

from colourfr.io.atomic import write_text
from colourfr.io.html import markdown_to_html
from colourfr.logs import setup_script_logging
from colourfr.reporting.provenance import model_files, provenance_markdown

setup_script_logging(snakemake)
config = snakemake.params.config
models = model_files(config, snakemake.params.model_dirs)
text = provenance_markdown(config, snakemake.params.repository, models)
write_text(snakemake.output.md, text)
write_text(snakemake.output.html, markdown_to_html(text, "Provenance"))
