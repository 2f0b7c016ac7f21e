"""Snakemake script: the per-dataset colour fidelity table and CIEDE2000 figure."""

import pandas as pd

from colourfr.colour_fidelity import plot_ciede2000, read_shard_table, summarise, write_summary
from colourfr.logs import setup_script_logging

log = setup_script_logging(snakemake)
tables = {
    colouriser: pd.concat(
        [read_shard_table(path) for path in snakemake.input[colouriser]], ignore_index=True
    )
    for colouriser in snakemake.params.colourisers
}
summary = summarise(tables)
write_summary(summary, snakemake.output.csv, snakemake.output.md, snakemake.output.tex)
plot_ciede2000(tables, snakemake.output.png, snakemake.output.pdf)
log.info("summary of %d colourisers written", len(summary))
