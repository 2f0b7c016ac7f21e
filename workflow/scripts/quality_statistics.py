"""Snakemake script: the paper's Table 2 (quality statistics) as CSV, Markdown, LaTeX."""

from colourfr.logs import setup_script_logging
from colourfr.quality.statistics import long_scores, quality_statistics
from colourfr.reporting.quality import write_statistics_table

log = setup_script_logging(snakemake)
tables = snakemake.params.tables  # estimator -> variant -> [csv, ...]
frame = long_scores(tables)
stats = quality_statistics(frame, variant_order=list(snakemake.params.variants))
write_statistics_table(stats, snakemake.output.csv, snakemake.output.md, snakemake.output.tex)
log.info("%d rows", len(stats))
