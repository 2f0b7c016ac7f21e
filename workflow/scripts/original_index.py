"""Snakemake script: index of the original images of one shard (no copies are made)."""

from colourfr.datasets.manifest import read_manifest
from colourfr.logs import setup_script_logging
from colourfr.variants import original_index, write_index

setup_script_logging(snakemake)
manifest = read_manifest(snakemake.input.manifest)
write_index(original_index(manifest, snakemake.wildcards.shard), snakemake.output.index)
