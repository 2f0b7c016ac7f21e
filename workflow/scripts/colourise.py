"""Snakemake script: colourise the greyscale images of one shard with one colouriser."""

from colourfr.colourisers.run import colourise_index, limit_threads
from colourfr.datasets.manifest import read_manifest
from colourfr.io.atomic import write_json
from colourfr.jobs import plugin_job
from colourfr.logs import setup_script_logging
from colourfr.memory import within_budget
from colourfr.variants import read_index, write_index

log = setup_script_logging(snakemake)
job = plugin_job(snakemake, "colourisers", "colouriser")
limit_threads(job.threads)  # before the plugin imports its numerical libraries
index = read_index(snakemake.input.index)
manifest = read_manifest(snakemake.input.manifest)
with within_budget(
    f"colouriser {job.plugin}", job.spec.bytes_per_pixel, snakemake.params.image_budget_mb
):
    result, provenance = colourise_index(
        index,
        snakemake.output.images,
        colouriser=job.build(),
        plugin=job.plugin,
        params=job.params,
        batch_size=job.batch_size,
        threads=job.threads,
        instance=job.instance,
        subject_of_image=dict(zip(manifest["image_id"], manifest["subject_id"])),
        require_training_subjects=job.spec.trained_on_subjects,
    )
write_json(snakemake.output.provenance, provenance)
write_index(result, snakemake.output.index)
log.info("%d images, %d failed", len(result), int((result["status"] != "ok").sum()))
