"""Snakemake script: subjects' skin-tone groups, the group distribution and each
colouriser's colour shift per group, of one (dataset, protocol)."""

import pandas as pd

from colourfr.io.csv import write_csv
from colourfr.logs import setup_script_logging
from colourfr.metrics.bootstrap import BootstrapSettings
from colourfr.metrics.colour_shift import colour_shift_table
from colourfr.metrics.differential import group_distribution, group_table
from colourfr.protocol import protocol_subjects, read_protocol_images
from colourfr.reporting.skin_tone import plot_delta_ita, plot_ita, write_skin_tone_tables
from colourfr.skin_tone import ita_bins

log = setup_script_logging(snakemake)
params = snakemake.params
out = snakemake.output
settings = BootstrapSettings.from_config(params.bootstrap, params.min_subjects)
bins = ita_bins(params.bins, key="skin_tone.bins")
references, probes = read_protocol_images(snakemake.input.references, snakemake.input.probes)
tones = pd.concat([pd.read_parquet(path) for path in snakemake.input.tones], ignore_index=True)
subject_of = protocol_subjects(references, probes)
groups = group_table(tones, references, probes, bins)
write_csv(groups, out.subjects)
write_csv(tones[tones["image_id"].isin(subject_of.index)], out.images)
distribution = group_distribution(groups, subject_of, bins, settings)
shift = colour_shift_table(tones, subject_of, groups, params.colourised, bins, settings)
write_skin_tone_tables(distribution, shift, params.convention, out)
plot_ita(
    tones[tones["image_id"].isin(subject_of.index)], params.colourised, out.ita_png, out.ita_pdf
)
plot_delta_ita(shift, out.delta_png, out.delta_pdf)
log.info("groups: %s", distribution.set_index("group")["subjects"].to_dict())
