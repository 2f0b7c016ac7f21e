"""Snakemake script: performance per skin-tone group of one (dataset, protocol, system)
at the baseline threshold, and the differentials across groups per scenario."""

from colourfr.io.csv import read_csv
from colourfr.logs import setup_script_logging
from colourfr.metrics.bootstrap import BootstrapSettings
from colourfr.metrics.differential import differential_tables
from colourfr.metrics.thresholds import threshold_at_fmr
from colourfr.protocol import protocol_subjects, read_protocol_images
from colourfr.reporting.skin_tone import plot_differential, write_differential_tables
from colourfr.scores import read_scores
from colourfr.skin_tone import ita_bins

log = setup_script_logging(snakemake)
params = snakemake.params
out = snakemake.output
settings = BootstrapSettings.from_config(params.bootstrap, params.min_subjects)
scores = {s: read_scores(path) for s, path in zip(params.scenarios, snakemake.input.scores)}
baseline = scores[params.baseline]
impostors = baseline.loc[~baseline["genuine"].astype(bool), "score"]
threshold = threshold_at_fmr(impostors, params.primary_fmr)
t = threshold.threshold
references, probes = read_protocol_images(snakemake.input.references, snakemake.input.probes)
groups = read_csv(snakemake.input.subjects, required=("subject_id", "group"), dtype=str)
rows, summary = differential_tables(
    scores,
    params.labels,
    protocol_subjects(references, probes),
    groups,
    ita_bins(params.bins, key="skin_tone.bins"),
    t,
    params.baseline,
    settings,
    alpha=float(params.alpha),
)
write_differential_tables(rows, summary, params.primary_fmr, t, out, float(params.alpha))
plot_differential(rows, out.png, out.pdf)
log.info("threshold %s; %d group rows", t, len(rows))
