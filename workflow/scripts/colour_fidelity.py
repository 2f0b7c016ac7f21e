"""Snakemake script for rules colour_fidelity_shard and colour_fidelity_summary."""

import pandas as pd

from colourfr.colour_fidelity import (
    plot_ciede2000,
    read_shard_table,
    shard_fidelity,
    summarise,
    write_summary,
)
from colourfr.datasets.manifest import write_table_atomic
from colourfr.logs import setup_script_logging

log = setup_script_logging(snakemake)  # noqa: F821

if snakemake.rule == "colour_fidelity_shard":  # noqa: F821
    table = shard_fidelity(snakemake.input.original, snakemake.input.colourised)  # noqa: F821
    write_table_atomic(table, snakemake.output.table)  # noqa: F821
    log.info("%d images, %d measured", len(table), int((table["status"] == "ok").sum()))
else:
    tables = {
        colouriser: pd.concat(
            [read_shard_table(path) for path in snakemake.input[colouriser]],  # noqa: F821
            ignore_index=True,
        )
        for colouriser in snakemake.params.colourisers  # noqa: F821
    }
    summary = summarise(tables)
    write_summary(summary, snakemake.output.csv, snakemake.output.md, snakemake.output.tex)  # noqa: F821
    plot_ciede2000(tables, snakemake.output.png, snakemake.output.pdf)  # noqa: F821
    log.info("summary of %d colourisers written", len(summary))
