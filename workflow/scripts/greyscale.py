"""Snakemake script: Rec. 709 luma greyscale PNGs for one shard."""

from colourfr.logs import setup_script_logging
from colourfr.memory import STEP_BYTES_PER_PIXEL, within_budget
from colourfr.variants import make_greyscale, read_index, write_index

log = setup_script_logging(snakemake)
index = read_index(snakemake.input.index)
with within_budget(
    "greyscale", STEP_BYTES_PER_PIXEL["greyscale"], snakemake.params.image_budget_mb
):
    grey = make_greyscale(index, snakemake.output.images)
write_index(grey, snakemake.output.index)
log.info("%d images, %d failed", len(grey), int((grey["status"] != "ok").sum()))
