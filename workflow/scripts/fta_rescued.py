"""Snakemake script: images whose greyscale variant failed to acquire but whose
colourised variant succeeded (Fig. 5), and the per-image change table."""

import pandas as pd

from colourfr.io.csv import write_csv
from colourfr.io.variant_index import read_index
from colourfr.logs import setup_script_logging
from colourfr.metrics.acquisition import fta_changes
from colourfr.reporting.examples import fta_rescue_figure


def concat_csv(paths):
    return pd.concat(read_index(p) for p in paths)


def concat_records(paths):
    return pd.concat(pd.read_parquet(p, columns=["image_id", "failure"]) for p in paths)


log = setup_script_logging(snakemake)
changes = fta_changes(
    concat_records(snakemake.input.grey_records),
    concat_records(snakemake.input.colour_records),
)
write_csv(changes, snakemake.output.changes)
log.info("%s", changes["change"].value_counts().to_dict())
fta_rescue_figure(
    changes,
    concat_csv(snakemake.input.grey_index),
    concat_csv(snakemake.input.colour_index),
    snakemake.wildcards.colouriser,
    snakemake.output.png[: -len(".png")],
)
