"""Snakemake script: results/summary.md, what came out of the run on one page."""

import pandas as pd

from colourfr.io.atomic import write_text
from colourfr.io.html import markdown_to_html
from colourfr.logs import setup_script_logging
from colourfr.reporting.effects import read_effects
from colourfr.reporting.summary import SystemResults, build_summary

log = setup_script_logging(snakemake)
systems = [
    SystemResults(
        dataset=entry["dataset"],
        protocol=entry["protocol"],
        system=entry["system"],
        performance=pd.read_csv(entry["performance"]),
        paired_tests=pd.read_csv(entry["paired_tests"]),
    )
    for entry in snakemake.params.entries
]
effects = read_effects(snakemake.input.effects)
text = build_summary(systems, snakemake.params.primary_fmr, snakemake.params.labels, effects)
write_text(snakemake.output.summary, text + "\n")
write_text(snakemake.output.html, markdown_to_html(text, "Summary of the run"))
log.info("summary of %d systems written to %s", len(systems), snakemake.output.summary)
