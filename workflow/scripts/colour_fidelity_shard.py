"""Snakemake script: colour fidelity of one colourised shard against the originals."""

from colourfr.colour_fidelity import shard_fidelity
from colourfr.io.csv import write_csv
from colourfr.logs import setup_script_logging
from colourfr.memory import STEP_BYTES_PER_PIXEL, within_budget

log = setup_script_logging(snakemake)
with within_budget(
    "colour fidelity",
    STEP_BYTES_PER_PIXEL["colour_fidelity"],
    snakemake.params.image_budget_mb,
):
    table = shard_fidelity(snakemake.input.original, snakemake.input.colourised)
write_csv(table, snakemake.output.table)
log.info("%d images, %d measured", len(table), int((table["status"] == "ok").sum()))
