"""Snakemake script: manifest -> protocol (references, probes, pair list)."""

from pathlib import Path

from colourfr.datasets.manifest import read_manifest
from colourfr.logs import setup_script_logging
from colourfr.protocol import build_protocol, write_protocol

log = setup_script_logging(snakemake)
manifest = read_manifest(snakemake.input.manifest)
protocol = build_protocol(manifest, dict(snakemake.params.options), snakemake.params.dataset_root)
write_protocol(protocol, Path(snakemake.output.summary).parent)
log.info(
    "%s: %d references, %d probes, %d genuine and %d impostor comparisons",
    snakemake.wildcards.protocol,
    len(protocol.references),
    len(protocol.probes),
    protocol.genuine_count(),
    protocol.impostor_count(),
)
