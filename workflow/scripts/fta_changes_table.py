"""Snakemake script: FTA of greyscale vs colourised images per system and colouriser."""

import pandas as pd

from colourfr.logs import setup_script_logging
from colourfr.reporting.examples import fta_change_summary
from colourfr.reporting.tables import write_latex, write_markdown

setup_script_logging(snakemake)
rows = [
    fta_change_summary(pd.read_csv(path, keep_default_na=False), system, colouriser)
    for (system, colouriser), path in zip(snakemake.params.pairs, snakemake.input.changes)
]
table = pd.DataFrame(rows)
table.to_csv(snakemake.output.csv, index=False)
write_markdown(table, snakemake.output.md, title="Failures to acquire: greyscale vs colourised")
write_latex(table, snakemake.output.tex, caption="Failures to acquire: greyscale vs colourised")
