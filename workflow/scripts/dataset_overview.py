"""Snakemake script: the paper's Table 1 (dataset overview) as CSV, Markdown and LaTeX."""

from pathlib import Path

import pandas as pd

from colourfr.io.tables import write_table
from colourfr.logs import setup_script_logging
from colourfr.protocol import dataset_overview, read_protocol

setup_script_logging(snakemake)
rows = [
    dataset_overview(snakemake.wildcards.dataset, name, read_protocol(Path(summary).parent))
    for name, summary in zip(snakemake.params.protocols, snakemake.input.summaries)
]
table = pd.concat(rows, ignore_index=True)
write_table(
    table,
    csv=snakemake.output.csv,
    md=snakemake.output.md,
    tex=snakemake.output.tex,
    title=f"Dataset overview: {snakemake.wildcards.dataset}",
    label=f"tab:dataset-overview-{snakemake.wildcards.dataset}",
)
