"""Snakemake script: quality scores of one (dataset, estimator, variant, shard)."""

import json
import os

# Stay within the job's thread allowance (OpenCV DNN, TensorFlow, NumPy BLAS).
_threads = str(snakemake.threads)  # noqa: F821
for _variable in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ.setdefault(_variable, _threads)

import cv2

from colourfr.logs import setup_script_logging
from colourfr.quality.run import (
    estimator_from_config,
    match_records,
    read_detections,
    score_shard,
)
from colourfr.variants import read_index

log = setup_script_logging(snakemake)  # noqa: F821
cv2.setNumThreads(int(_threads))
index = read_index(snakemake.input.index)  # noqa: F821
records = match_records(
    index,
    read_detections(snakemake.input.detections),  # noqa: F821
    index_source=str(snakemake.input.index),  # noqa: F821
    records_source=str(snakemake.input.detections),  # noqa: F821
)
estimator = estimator_from_config(
    snakemake.params.instance,  # noqa: F821
    snakemake.params.resources_dir,  # noqa: F821
    snakemake.params.allow_downloads,  # noqa: F821
)
provenance = estimator.provenance()
log.info("estimator provenance: %s", json.dumps(provenance, default=str))
table = score_shard(estimator, index, records, snakemake.params.instance["batch_size"])  # noqa: F821
table.to_csv(snakemake.output.table, index=False)  # noqa: F821
with open(snakemake.output.provenance, "w") as handle:  # noqa: F821
    json.dump({"instance": snakemake.wildcards.estimator, **provenance}, handle, indent=2,  # noqa: F821
              default=str)
failed = table["failure"] != ""
if failed.all() and (table["failure"] == "no_landmarks").any():
    log.warning("no image had five landmarks: detector %r gives no mouth corners?",
                snakemake.params.instance["detector"])  # noqa: F821
log.info("%d images, %d scored, %d not (%s)", len(table), int((~failed).sum()), int(failed.sum()),
         table.loc[failed, "failure"].value_counts().to_dict())
