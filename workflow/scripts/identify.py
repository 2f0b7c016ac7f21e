"""Snakemake script: the identification searches of one (dataset, protocol, system,
scenario), from the recognition shards of its reference and probe variants."""

from pathlib import Path

from colourfr.comparison import embedding_set_for, load_recognition_shards
from colourfr.identification import search_table, withheld_subjects
from colourfr.io.atomic import atomic_path
from colourfr.logs import setup_script_logging
from colourfr.protocol import read_protocol

log = setup_script_logging(snakemake)
protocol_dir = Path(snakemake.input.protocol).parent
protocol = read_protocol(protocol_dir)
stems = lambda paths: [Path(p).with_suffix("") for p in paths]
sets = {}
for side, table in (("reference", protocol.references), ("probe", protocol.probes)):
    records, matrix = load_recognition_shards(stems(snakemake.input[f"{side}_records"]))
    sets[side] = embedding_set_for(
        records,
        matrix,
        table["image_id"].astype(str).tolist(),
        table["subject_id"].astype(str).tolist(),
        f"{protocol_dir}/{side}s.csv",
    )
withheld = withheld_subjects(
    protocol.references["subject_id"].astype(str).tolist(),
    snakemake.params.withheld_share,
    snakemake.params.seed,
)
table = search_table(sets["reference"], sets["probe"], withheld, snakemake.params.block_size)
with atomic_path(snakemake.output.searches) as tmp:
    table.to_parquet(tmp, index=False)
log.info(
    "%d searches (%d mated in the closed set), %d of %d subjects withheld for the open set",
    len(table),
    int(table["mated_closed"].sum()),
    len(withheld),
    protocol.references["subject_id"].nunique(),
)
