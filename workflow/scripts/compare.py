"""Snakemake script: the score file of one (dataset, protocol, system, scenario)."""

from pathlib import Path

from colourfr.comparison import score_protocol
from colourfr.logs import setup_script_logging
from colourfr.protocol import read_protocol
from colourfr.scores import write_scores

log = setup_script_logging(snakemake)
protocol_dir = Path(snakemake.input.protocol).parent
protocol = read_protocol(protocol_dir)
stems = lambda paths: [Path(p).with_suffix("") for p in paths]
scores = score_protocol(
    protocol.references,
    protocol.probes,
    protocol.pairs,
    stems(snakemake.input.reference_records),
    stems(snakemake.input.probe_records),
    impostors=snakemake.params.impostors,
    block_size=snakemake.params.block_size,
    source=str(protocol_dir),
)
write_scores(scores, snakemake.output.scores)
genuine = scores["genuine"]
log.info(
    "scenario %s: %d genuine (%d failed), %d impostor comparisons",
    snakemake.wildcards.scenario,
    int(genuine.sum()),
    int((genuine & scores["score"].isna()).sum()),
    int((~genuine).sum()),
)
