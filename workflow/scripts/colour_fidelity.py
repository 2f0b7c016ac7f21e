"""Snakemake script for rules colour_fidelity_shard and colour_fidelity_summary."""

import pandas as pd

from colourfr.colour_fidelity import (
    plot_ciede2000,
    read_shard_table,
    shard_fidelity,
    summarise,
    write_summary,
)
from colourfr.io.csv import write_csv
from colourfr.logs import setup_script_logging

log = setup_script_logging(snakemake)

if snakemake.rule == "colour_fidelity_shard":
    table = shard_fidelity(snakemake.input.original, snakemake.input.colourised)
    write_csv(table, snakemake.output.table)
    log.info("%d images, %d measured", len(table), int((table["status"] == "ok").sum()))
else:
    tables = {
        colouriser: pd.concat(
            [read_shard_table(path) for path in snakemake.input[colouriser]],
            ignore_index=True,
        )
        for colouriser in snakemake.params.colourisers
    }
    summary = summarise(tables)
    write_summary(summary, snakemake.output.csv, snakemake.output.md, snakemake.output.tex)
    plot_ciede2000(tables, snakemake.output.png, snakemake.output.pdf)
    log.info("summary of %d colourisers written", len(summary))
