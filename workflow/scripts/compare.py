"""Snakemake script: the score file of one (dataset, protocol, system, scenario)."""

from pathlib import Path

from colourfr.comparison import score_protocol
from colourfr.logs import setup_script_logging
from colourfr.protocol import read_protocol
from colourfr.scores import write_scores

log = setup_script_logging(snakemake)  # noqa: F821
protocol_dir = Path(snakemake.input.protocol).parent  # noqa: F821
protocol = read_protocol(protocol_dir)
stems = lambda paths: [Path(p).with_suffix("") for p in paths]
scores = score_protocol(
    protocol.references,
    protocol.probes,
    protocol.pairs,
    stems(snakemake.input.reference_records),  # noqa: F821
    stems(snakemake.input.probe_records),  # noqa: F821
    impostors=snakemake.params.impostors,  # noqa: F821
    block_size=snakemake.params.block_size,  # noqa: F821
    source=str(protocol_dir),
)
write_scores(scores, snakemake.output.scores)  # noqa: F821
genuine = scores["genuine"]
log.info(
    "scenario %s: %d genuine (%d failed), %d impostor comparisons",
    snakemake.wildcards.scenario,  # noqa: F821
    int(genuine.sum()),
    int((genuine & scores["score"].isna()).sum()),
    int((~genuine).sum()),
)
