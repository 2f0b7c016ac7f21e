"""Snakemake script: colourise the greyscale images of one shard with one colouriser."""

import json

from colourfr.colourisers.run import colourise_index
from colourfr.datasets.manifest import read_manifest
from colourfr.logs import setup_script_logging
from colourfr.variants import read_index, write_index

log = setup_script_logging(snakemake)  # noqa: F821
settings = snakemake.params.instance  # noqa: F821
index = read_index(snakemake.input.index)  # noqa: F821
manifest = read_manifest(snakemake.input.manifest)  # noqa: F821
result, provenance = colourise_index(
    index,
    snakemake.output.images,  # noqa: F821
    plugin=settings["plugin"],
    params=settings["params"],
    batch_size=settings["batch_size"],
    threads=snakemake.threads,  # noqa: F821
    resources_dir=snakemake.params.resources_dir,  # noqa: F821
    allow_downloads=snakemake.params.allow_downloads,  # noqa: F821
    instance=snakemake.wildcards.colouriser,  # noqa: F821
    subject_of_image=dict(zip(manifest["image_id"], manifest["subject_id"])),
)
with open(snakemake.output.provenance, "w") as handle:  # noqa: F821
    json.dump(provenance, handle, indent=2, default=str)
write_index(result, snakemake.output.index)  # noqa: F821
log.info("%d images, %d failed", len(result), int((result["status"] != "ok").sum()))
