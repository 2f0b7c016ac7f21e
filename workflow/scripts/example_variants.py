"""Snakemake script: Fig. 1/2 - the variants of sample subjects' reference images."""

import pandas as pd

from colourfr.logs import setup_script_logging
from colourfr.reporting.examples import variant_rows_figure

setup_script_logging(snakemake)
references = pd.read_csv(snakemake.input.references, dtype=str)
count = min(snakemake.params.sample_subjects, len(references))
# Evenly spaced through the (sorted) subjects: deterministic, not just the "A" names.
step = max(len(references) // count, 1)
sample = references.sort_values("subject_id")["image_id"].iloc[::step].head(count).tolist()
indexes = {
    variant: pd.concat(
        pd.read_csv(f, dtype=str, keep_default_na=False) for f in snakemake.input[variant]
    )
    for variant in snakemake.params.variants
}
variant_rows_figure(sample, indexes, snakemake.output.png[: -len(".png")])
