"""Snakemake script: ISO/IEC 19795-1 metrics, tables and figures of one
(dataset, protocol, system) from its scenarios' score files."""

from colourfr.logs import setup_script_logging
from colourfr.metrics.bootstrap import BootstrapSettings
from colourfr.reporting.performance import PerformanceOutputs, write_performance_report

log = setup_script_logging(snakemake)
params = snakemake.params
out = snakemake.output
boot = params.bootstrap
table = write_performance_report(
    score_files=dict(zip(params.scenarios, snakemake.input.scores)),
    baseline_id=params.baseline,
    fmr_targets=params.fmr_targets,
    primary_fmr=params.primary_fmr,
    outputs=PerformanceOutputs(
        csv=out.csv,
        md=out.md,
        tex=out.tex,
        json=out.json,
        mcnemar=out.mcnemar,
        det_png=out.det_png,
        det_pdf=out.det_pdf,
        frr_png=out.frr_png,
        frr_pdf=out.frr_pdf,
        distributions_png=out.dist_png,
        distributions_pdf=out.dist_pdf,
    ),
    labels=params.labels,
    paired_tests=[tuple(pair) for pair in params.paired_tests],
    bootstrap=BootstrapSettings.from_config(boot)
    if boot and int(boot.get("replicates", 0)) > 0
    else None,
)
log.info("evaluated %d scenario x FMR rows", len(table))
