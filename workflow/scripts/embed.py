"""Snakemake script: run one recognition system over one variant shard.

Writes the detection records ({shard}.parquet) and embeddings ({shard}.npy); images the
variant step could not produce, files that do not decode and faces not found are
recorded failures (FTA), never errors.
"""

import json

from colourfr.io.variant_index import read_index
from colourfr.jobs import plugin_job
from colourfr.logs import ProgressLog, setup_script_logging
from colourfr.memory import within_budget
from colourfr.recognition.records import embed_index, write_shard

log = setup_script_logging(snakemake)
job = plugin_job(snakemake, "recognition", "system")
system = job.build()
log.info("provenance %s", json.dumps(system.provenance(), default=str))
index = read_index(snakemake.input.index)
progress = ProgressLog(log, len(index))
with within_budget(
    f"recognition system {job.plugin}", job.spec.bytes_per_pixel, snakemake.params.image_budget_mb
):
    records, embeddings = embed_index(
        system,
        index,
        batch_size=job.batch_size,
        progress=lambda done, total: progress.advance(done - progress.done),
    )
write_shard(snakemake.output.records, records, embeddings, snakemake.output.embeddings)
failures = [r.failure for r in records if r.failure]
log.info(
    "%d images, %d failed (%s)",
    len(records),
    len(failures),
    ", ".join(f"{reason}: {failures.count(reason)}" for reason in sorted(set(failures))) or "none",
)
