"""Snakemake script: the effects table, forest plot and their rows (colourfr.metrics.effects)."""

from colourfr.io.csv import write_csv
from colourfr.logs import setup_script_logging
from colourfr.metrics.effects import compute_effects
from colourfr.reporting.effects import plot_forest, write_effects_tables

log = setup_script_logging(snakemake)
params = snakemake.params
boot = params.bootstrap
records = compute_effects(
    params.jobs,
    fmr=float(params.fmr),
    margin=float(params.margin),
    replicates=max(1, int(boot["replicates"])),
    seed=int(boot["seed"]),
    confidence=float(boot["confidence"]),
)
out = snakemake.output
write_effects_tables(records, out.csv, out.md, out.tex)
rows = plot_forest(records, float(params.margin), out.forest_png, out.forest_pdf)
write_csv(rows, out.forest_data)
log.info(
    "%d effects: %s", len(records), ", ".join(sorted({r["verdict"] for r in records})) or "none"
)
