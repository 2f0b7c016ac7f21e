"""Snakemake script: time and peak memory per rule from the jobs' benchmark files."""

from colourfr.io.atomic import write_text
from colourfr.io.csv import write_csv
from colourfr.io.html import markdown_to_html
from colourfr.logs import setup_script_logging
from colourfr.reporting.benchmarks import (
    benchmark_markdown,
    run_benchmark_files,
    summarise_benchmarks,
)

log = setup_script_logging(snakemake)
selection = snakemake.params.selection
files = run_benchmark_files(selection["patterns"], selection["values"], selection["shards"])
summary = summarise_benchmarks(files)
write_csv(summary, snakemake.output.csv)
text = benchmark_markdown(summary)
write_text(snakemake.output.md, text)
write_text(snakemake.output.html, markdown_to_html(text, "Performance record"))
log.info("%d benchmark files, %d rules", len(files), len(summary))
