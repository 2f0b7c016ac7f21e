"""Snakemake script: skin tone of every image of one shard in every variant, in the
region placed by the landmarks of the original image's recognition record."""

import pandas as pd

from colourfr.io.atomic import atomic_path
from colourfr.io.variant_index import read_index
from colourfr.logs import setup_script_logging
from colourfr.memory import STEP_BYTES_PER_PIXEL, within_budget
from colourfr.skin_tone import shard_skin_tones

log = setup_script_logging(snakemake)
records = pd.read_parquet(snakemake.input.records)
indexes = {
    variant: read_index(path)
    for variant, path in zip(snakemake.params.variants, snakemake.input.indexes)
}
with within_budget("skin tone", STEP_BYTES_PER_PIXEL["decode"], snakemake.params.image_budget_mb):
    tones = shard_skin_tones(records, indexes)
with atomic_path(snakemake.output.tones) as tmp:
    tones.to_parquet(tmp, index=False)
measured = tones[tones["failure"].isna()]
log.info(
    "%d images x %d variants, %d measured; failures: %s",
    len(records),
    len(indexes),
    len(measured),
    tones["failure"].value_counts().to_dict(),
)
