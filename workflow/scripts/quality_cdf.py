"""Snakemake script: CDF of one estimator's quality scores per variant (Fig. 4a)."""

from colourfr.logs import setup_script_logging
from colourfr.quality.statistics import scores_by_variant
from colourfr.reporting.quality import plot_quality_cdf

setup_script_logging(snakemake)
estimator = snakemake.wildcards.estimator
plot_quality_cdf(
    scores_by_variant(snakemake.params.tables),
    estimator,
    snakemake.output.png,
    snakemake.output.pdf,
)
