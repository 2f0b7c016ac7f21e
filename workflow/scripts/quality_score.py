"""Snakemake script: quality scores of one (dataset, estimator, variant, shard)."""

import json
import os

# Stay within the job's thread allowance (OpenCV, TensorFlow, NumPy BLAS).
_threads = str(snakemake.threads)
for _variable in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ.setdefault(_variable, _threads)

import cv2

from colourfr.io.atomic import write_json
from colourfr.jobs import plugin_job
from colourfr.logs import setup_script_logging
from colourfr.memory import within_budget
from colourfr.quality.run import match_records, read_detections, score_shard, write_quality_table
from colourfr.variants import read_index

log = setup_script_logging(snakemake)
cv2.setNumThreads(int(_threads))
job = plugin_job(snakemake, "quality", "estimator")
index = read_index(snakemake.input.index)
records = match_records(
    index,
    read_detections(snakemake.input.detections),
    index_source=str(snakemake.input.index),
    records_source=str(snakemake.input.detections),
)
estimator = job.build()
provenance = estimator.provenance()
log.info("estimator provenance: %s", json.dumps(provenance, default=str))
with within_budget(
    f"quality estimator {job.plugin}", job.spec.bytes_per_pixel, snakemake.params.image_budget_mb
):
    table = score_shard(estimator, index, records, job.batch_size)
write_json(snakemake.output.provenance, {"instance": job.instance, **provenance})
write_quality_table(table, snakemake.output.table)
failed = table["failure"] != ""
if failed.all() and (table["failure"] == "no_landmarks").any():
    log.warning("no image had five landmarks: does the detector give no mouth corners?")
log.info(
    "%d images, %d scored, %d not (%s)",
    len(table),
    int((~failed).sum()),
    int(failed.sum()),
    table.loc[failed, "failure"].value_counts().to_dict(),
)
