"""Snakemake script: manifest -> protocol (references, probes, pair list).

With reference rule best, the quality scores and/or landmarks of the original images
(inputs `quality`, `detections`) choose each subject's reference.
"""

from pathlib import Path

import pandas as pd

from colourfr.datasets.manifest import read_manifest
from colourfr.io.quality_shard import read_quality_table
from colourfr.logs import setup_script_logging
from colourfr.protocol import build_protocol, pose_deviation, write_protocol
from colourfr.recognition.records import frame_to_records, read_shard

log = setup_script_logging(snakemake)
manifest = read_manifest(snakemake.input.manifest)
quality = None
if snakemake.input.quality:
    tables = pd.concat([read_quality_table(p) for p in snakemake.input.quality])
    quality = dict(zip(tables["image_id"], tables["score"]))
pose = None
if snakemake.input.detections:
    pose = {
        record.image_id: pose_deviation(record.landmarks if record.acquired else None)
        for path in snakemake.input.detections
        for record in frame_to_records(read_shard(path)[0])
    }
protocol = build_protocol(
    manifest, dict(snakemake.params.options), snakemake.params.dataset_root, quality, pose
)
write_protocol(protocol, Path(snakemake.output.summary).parent)
log.info(
    "%s: %d references (%s), %d probes, %d genuine and %d impostor comparisons",
    snakemake.wildcards.protocol,
    len(protocol.references),
    protocol.reference_rule,
    len(protocol.probes),
    protocol.genuine_count(),
    protocol.impostor_count(),
)
