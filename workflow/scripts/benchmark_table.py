"""Snakemake script: time and peak memory per rule from the jobs' benchmark files."""

from pathlib import Path

from colourfr.io.atomic import write_text
from colourfr.io.csv import write_csv
from colourfr.io.html import markdown_to_html
from colourfr.logs import setup_script_logging
from colourfr.reporting.benchmarks import benchmark_markdown, summarise_benchmarks

log = setup_script_logging(snakemake)
# This run's jobs only; a job that wrote none (killed, or run before benchmarks existed)
# has no row.
files = [Path(p) for p in snakemake.params.benchmarks if Path(p).is_file()]
summary = summarise_benchmarks(files)
write_csv(summary, snakemake.output.csv)
text = benchmark_markdown(summary)
write_text(snakemake.output.md, text)
write_text(snakemake.output.html, markdown_to_html(text, "Performance record"))
log.info("%d benchmark files, %d rules", len(files), len(summary))
