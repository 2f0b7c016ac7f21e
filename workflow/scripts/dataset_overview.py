"""Snakemake script: the paper's Table 1 (dataset overview) as CSV, Markdown and LaTeX."""

from pathlib import Path

import pandas as pd

from colourfr.datasets.suspicious import duplicate_impostor_comparisons
from colourfr.io.manifest import read_manifest_issues
from colourfr.io.tables import write_table
from colourfr.logs import setup_script_logging
from colourfr.protocol import dataset_overview, read_protocol

setup_script_logging(snakemake)
issues = read_manifest_issues(snakemake.input.issues)
rows = []
for name, summary in zip(snakemake.params.protocols, snakemake.input.summaries):
    protocol = read_protocol(Path(summary).parent)
    duplicates = duplicate_impostor_comparisons(protocol, issues)
    rows.append(dataset_overview(snakemake.wildcards.dataset, name, protocol, duplicates))
table = pd.concat(rows, ignore_index=True)
caption = ""
if table["duplicate_impostors"].sum():
    caption = (
        "duplicate_impostors: impostor comparisons between copies of one photo filed under "
        "two subjects (manifest_issues.csv, duplicate_across_subjects); they score like "
        "genuine comparisons and can set the thresholds. `suspicious.exclude: true` keeps "
        "one copy."
    )
write_table(
    table,
    csv=snakemake.output.csv,
    md=snakemake.output.md,
    tex=snakemake.output.tex,
    title=f"Dataset overview: {snakemake.wildcards.dataset}",
    caption=caption,
    label=f"tab:dataset-overview-{snakemake.wildcards.dataset}",
)
