"""Snakemake script: identification table, paired tests and figures of one
(dataset, protocol, system)."""

import pandas as pd

from colourfr.logs import setup_script_logging
from colourfr.reporting.identification import write_identification_report

log = setup_script_logging(snakemake)
params = snakemake.params
tables = {
    scenario: pd.read_parquet(path)
    for scenario, path in zip(params.scenarios, snakemake.input.searches)
}
results = write_identification_report(
    tables,
    baseline=params.baseline,
    labels=params.labels,
    fpir_targets=params.fpir_targets,
    max_rank=params.max_rank,
    paired_tests=[tuple(pair) for pair in params.paired_tests],
    outputs=snakemake.output,
    replicates=int(params.bootstrap.get("replicates", 0)),
    seed=int(params.bootstrap.get("seed", 0)),
)
log.info("identification: %d scenario x FPIR rows", len(results))
