"""Snakemake script: the identification searches of one (dataset, protocol, system,
scenario), from the recognition shards of its reference and probe variants."""

from pathlib import Path

from colourfr.comparison import protocol_embedding_sets
from colourfr.identification import search_table, withheld_subjects
from colourfr.io.atomic import atomic_path
from colourfr.logs import setup_script_logging
from colourfr.protocol import read_protocol

log = setup_script_logging(snakemake)
protocol_dir = Path(snakemake.input.protocol).parent
protocol = read_protocol(protocol_dir)
stems = lambda paths: [Path(p).with_suffix("") for p in paths]
reference_set, probe_set = protocol_embedding_sets(
    protocol.references,
    protocol.probes,
    stems(snakemake.input.reference_records),
    stems(snakemake.input.probe_records),
    str(protocol_dir),
)
withheld = withheld_subjects(
    protocol.references["subject_id"].astype(str).tolist(),
    snakemake.params.withheld_share,
    snakemake.params.seed,
)
table = search_table(reference_set, probe_set, withheld)
with atomic_path(snakemake.output.searches) as tmp:
    table.to_parquet(tmp, index=False)
log.info(
    "%d searches (%d mated in the closed set), %d of %d subjects withheld for the open set",
    len(table),
    int(table["mated_closed"].sum()),
    len(withheld),
    protocol.references["subject_id"].nunique(),
)
