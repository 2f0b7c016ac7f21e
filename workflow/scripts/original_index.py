"""Snakemake script: index of the original images of one shard; working copies of those
larger than the dataset's working_resolution.max_side (colourfr.working_copy)."""

from colourfr.datasets.manifest import read_manifest
from colourfr.logs import setup_script_logging
from colourfr.variants import original_index, write_index
from colourfr.working_copy import working_index

log = setup_script_logging(snakemake)
shard = snakemake.wildcards.shard
manifest = read_manifest(snakemake.input.manifest)
index = working_index(
    original_index(manifest, shard),
    manifest[manifest["shard"] == shard],
    snakemake.output.images,
    snakemake.params.max_side,
)
write_index(index, snakemake.output.index)
copies = int(index["detail"].str.startswith("working copy").sum())
log.info(
    "%d images, %d working copies (max side %s)", len(index), copies, snakemake.params.max_side
)
