"""Snakemake script: run one recognition system over one variant shard.

Writes the detection records ({shard}.parquet) and embeddings ({shard}.npy); images the
variant step could not produce, files that do not decode and faces not found are
recorded failures (FTA), never errors. Model files produced by the workflow (fetched
buffalo_l, the converted MobileFaceNet) arrive as inputs and override the pack paths.
"""

import json

from colourfr.logs import setup_script_logging
from colourfr.recognition import REGISTRY
from colourfr.recognition.records import embed_index, read_variant_index, write_shard

log = setup_script_logging(snakemake)  # noqa: F821
settings = snakemake.params.instance  # noqa: F821
params = dict(settings["params"])
for key in ("detector", "recogniser"):
    # Namedlist: `in` would test the values, keys() tests the names.
    if key in snakemake.input.keys():  # noqa: F821, SIM118
        params[key] = str(snakemake.input[key])  # noqa: F821
if "device" in params and not settings.get("gpu"):
    params["device"] = "cpu"  # only GPU instances (resources: gpu=1) may claim a device

system = REGISTRY.get(settings["plugin"]).create(threads=snakemake.threads, **params)  # noqa: F821
log.info("provenance %s", json.dumps(system.provenance(), default=str))
index = read_variant_index(snakemake.input.index)  # noqa: F821
records, embeddings = embed_index(
    system,
    index,
    batch_size=settings["batch_size"],
    progress=lambda done, total: log.info("%d/%d images", done, total),
)
write_shard(snakemake.output.records, records, embeddings, snakemake.output.embeddings)  # noqa: F821
failures = [r.failure for r in records if r.failure]
log.info(
    "%d images, %d failed (%s)",
    len(records),
    len(failures),
    ", ".join(f"{reason}: {failures.count(reason)}" for reason in sorted(set(failures))) or "none",
)
