"""Snakemake script: FTA of greyscale vs colourised images per system and colouriser."""

import pandas as pd

from colourfr.io.csv import read_csv
from colourfr.io.tables import write_table
from colourfr.logs import setup_script_logging
from colourfr.metrics.acquisition import fta_change_summary

setup_script_logging(snakemake)
rows = [
    fta_change_summary(
        read_csv(path, what="FTA change list", keep_default_na=False), system, colouriser
    )
    for (system, colouriser), path in zip(snakemake.params.pairs, snakemake.input.changes)
]
table = pd.DataFrame(rows)
write_table(
    table,
    csv=snakemake.output.csv,
    md=snakemake.output.md,
    tex=snakemake.output.tex,
    title="Failures to acquire: greyscale vs colourised",
)
