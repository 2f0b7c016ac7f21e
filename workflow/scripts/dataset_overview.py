"""Snakemake script: the paper's Table 1 (dataset overview) as CSV, Markdown and LaTeX."""

from pathlib import Path

import pandas as pd

from colourfr.logs import setup_script_logging
from colourfr.protocol import dataset_overview, read_protocol
from colourfr.reporting.tables import write_latex, write_markdown

setup_script_logging(snakemake)
rows = [
    dataset_overview(snakemake.wildcards.dataset, name, read_protocol(Path(summary).parent))
    for name, summary in zip(snakemake.params.protocols, snakemake.input.summaries)
]
table = pd.concat(rows, ignore_index=True)
table.to_csv(snakemake.output.csv, index=False)
write_markdown(table, snakemake.output.md, title=f"Dataset overview: {snakemake.wildcards.dataset}")
write_latex(
    table,
    snakemake.output.tex,
    caption=f"Dataset overview: {snakemake.wildcards.dataset}",
    label=f"tab:dataset-overview-{snakemake.wildcards.dataset}",
)
