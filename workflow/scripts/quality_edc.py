"""Snakemake script: EDC curves (FNMR at the baseline threshold vs discarded fraction)
of every scenario for one (protocol, recognition system, quality estimator)."""

from colourfr.io.csv import write_csv
from colourfr.logs import setup_script_logging
from colourfr.quality.edc import EDCError, baseline_threshold, edc_table, scenario_edc
from colourfr.quality.statistics import score_lookup
from colourfr.reporting.quality import plot_edc
from colourfr.scores import read_scores, require_impostors

log = setup_script_logging(snakemake)
params = snakemake.params
baseline_path = snakemake.input.baseline
threshold = baseline_threshold(
    require_impostors(read_scores(baseline_path), str(baseline_path)), params.fmr
)
log.info("baseline threshold at FMR=%g: %r", params.fmr, threshold)
quality = {variant: score_lookup(paths) for variant, paths in params.tables.items()}
results = []
for scenario, path in zip(params.scenarios, snakemake.input.scores):
    try:
        result = scenario_edc(
            scenario["id"],
            read_scores(path),
            quality[scenario["reference"]],
            quality[scenario["probe"]],
            threshold,
            params.max_discard,
        )
    except EDCError as exc:  # e.g. every genuine comparison failed: no curve to draw
        log.warning("%s: no EDC (%s)", path, exc)
        continue
    results.append(result)
    log.info("%s: pAUC@%g = %.5f", scenario["id"], params.max_discard, result.partial_area)
table = edc_table(results)
table.insert(0, "threshold", threshold)
write_csv(table, snakemake.output.csv)
plot_edc(
    {r.scenario: r.curve for r in results},
    {r.scenario: r.partial_area for r in results},
    snakemake.wildcards.estimator,
    params.fmr,
    params.max_discard,
    snakemake.output.png,
    snakemake.output.pdf,
    scenario_labels={s["id"]: s.get("label", s["id"]) for s in params.scenarios},
)
