"""results/summary.md and the failed-jobs report, on hand-made inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from colourfr.reporting.failures import failed_jobs, failure_report, last_error_line
from colourfr.reporting.numbers import percent
from colourfr.reporting.summary import SystemResults, build_summary, headline_of

PERFORMANCE = pd.DataFrame(
    {
        "file": ["s1", "s3", "s4-x", "s1", "s3", "s4-x"],
        "fmr_target": [0.001] * 3 + [0.01] * 3,
        "threshold": [0.5] * 3 + [0.6] * 3,
        "n_impostor_valid": [2000] * 6,
        "n_genuine": [100] * 6,
        "fta": [0.0, 0.02, 0.01, 0.0, 0.02, 0.01],
        "fta_low": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "fta_high": [0.0, 0.05, 0.03, 0.0, 0.05, 0.03],
        "fnmr": [0.01, 0.05, 0.04, 0.0, 0.03, 0.02],
        "fnmr_low": [0.0, 0.01, 0.01, 0.0, 0.0, 0.0],
        "fnmr_high": [0.03, 0.09, 0.08, 0.0, 0.06, 0.05],
        "frr": [0.01, 0.069, 0.0496, 0.0, 0.0494, 0.0298],
        "frr_low": [0.0, 0.03, 0.02, 0.0, 0.01, 0.0],
        "frr_high": [0.03, 0.12, 0.1, 0.0, 0.09, 0.07],
    }
)
TESTS = pd.DataFrame(
    {
        "scenario_a": ["s1", "s1", "s3"],
        "scenario_b": ["s3", "s4-x", "s4-x"],
        "fmr_target": [0.001] * 3,
        "only_a_rejects": [0, 0, 3],
        "only_b_rejects": [6, 4, 1],
        "p_value": [0.03125, 0.125, 0.625],
    }
)
LABELS = {"s1": "original / original", "s3": "grey / grey", "s4-x": "colourised (x)"}


def test_percent_hand_worked() -> None:
    assert percent(0.0496, 0.02, 0.1) == "4.960 [2.000, 10.000]"
    assert percent(float("nan")) == "n/a"


def test_summary_reports_the_primary_fmr_with_intervals_and_grey_vs_colourised_tests() -> None:
    results = SystemResults("lfw", "paper", "arcface", PERFORMANCE, TESTS)
    text = build_summary([results], 0.001, LABELS)
    assert (
        "| colourised (x) | 1.000 [0.000, 3.000] | 4.000 [1.000, 8.000] | 4.960 [2.000, 10.000] |"
        in text
    )
    assert "| grey / grey | colourised (x) | 3 | 1 | 0.625 |" in text
    # The baseline's tests against the others are Table 3's business, not the summary's.
    assert "| original / original | grey / grey |" not in text
    assert "FMR 1 %" not in text  # only the primary operating point
    (line,) = headline_of(text)
    assert line == (
        "lfw/paper/arcface at FMR 0.1 %: FRR original / original 1.000 %, grey / grey "
        "6.900 %, colourised (x) 4.960 % (colourised (x) vs grey p = 0.625)"
    )


SNAKEMAKE_LOG = """\
Command 'set -euo pipefail; python3 x.embed.py' died with <Signals.SIGKILL: 9>.
[Fri Dec  4 03:34:44 2026]
Error in rule quality_score:
    message: None
    jobid: 113
    input: /r/lfw/variants/grey/s0000.csv
    output: /r/lfw/quality/iso/grey/s0000.csv, /r/lfw/quality/iso/grey/s0000.json
    log: {log} (check log file(s) for error details)
    wildcards: dataset=lfw, estimator=iso, variant=grey, shard=s0000
Execute 1 jobs...
Error in rule embed:
    message: None
    jobid: 7
Error in rule quality_score:
    message: None
    jobid: 113
    log: {log} (check log file(s) for error details)
Exiting because a job execution failed. Look above for error messages
"""


def test_failed_jobs_are_listed_once_with_their_logs_and_last_error(tmp_path: Path) -> None:
    job_log = tmp_path / "quality_iso_grey_s0000.log"
    job_log.write_text(
        "INFO starting\nTraceback (most recent call last):\n  File x\n"
        "KeyError: 'image_budget_mb'\n\n"
    )
    main_log = tmp_path / "snakemake.log"
    main_log.write_text(SNAKEMAKE_LOG.format(log=job_log))
    jobs = failed_jobs(main_log.read_text())
    assert [(job.rule, job.details["jobid"]) for job in jobs] == [
        ("quality_score", "113"),
        ("embed", "7"),
    ]
    assert jobs[0].logs == [str(job_log)]
    assert last_error_line(job_log) == "KeyError: 'image_budget_mb'"
    report = failure_report(main_log)
    assert "2 job(s) failed" in report
    assert "quality_score (dataset=lfw, estimator=iso, variant=grey, shard=s0000)" in report
    assert f"log: {job_log}" in report and "last error: KeyError: 'image_budget_mb'" in report
    assert "last error: (log file not found)" not in report
    assert "ended: killed (SIGKILL" in report.split("embed")[0]  # only the first job's
    assert "output: /r/lfw/quality/iso/grey/s0000.csv\n" in report


def test_a_run_that_failed_before_any_job_says_so(tmp_path: Path) -> None:
    main_log = tmp_path / "snakemake.log"
    main_log.write_text("WorkflowError: invalid configuration\n")
    assert "before any job" in failure_report(main_log)


def test_progress_log_reports_rate_and_time_left_at_most_every_30_s() -> None:
    import logging

    from colourfr.logs import ProgressLog, format_duration

    now = [0.0]
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("test.progress")
    logger.addHandler(Collect())
    logger.setLevel(logging.INFO)
    progress = ProgressLog(logger, 100, "images", clock=lambda: now[0])
    for _ in range(10):  # 10 images in 20 s: under 30 s, nothing yet
        now[0] += 2.0
        progress.advance()
    assert messages == []
    for _ in range(10):  # 30 s reached after the 15th image
        now[0] += 2.0
        progress.advance()
    assert messages == ["15/100 images (15 %), 0.5 images/s, about 3 min left"]
    now[0] += 160.0
    progress.advance(80)  # the end is always logged
    assert messages[-1] == "100/100 images (100 %), 0.5 images/s"
    assert (format_duration(45), format_duration(720), format_duration(9000)) == (
        "45 s",
        "12 min",
        "2.5 h",
    )


def test_benchmark_table_sums_jobs_per_rule(tmp_path: Path) -> None:
    from colourfr.reporting.benchmarks import benchmark_markdown, summarise_benchmarks

    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    jobs = {
        "embed/a.tsv": "12.5\t0:00:12\t800.0\t900\t700\t750\t1\t2\t90\t11.0\n",
        "embed/b.tsv": "7.5\t0:00:07\t950.5\t900\t700\t750\t1\t2\t90\t6.0\n",
        "greyscale/a.tsv": "1.0\t0:00:01\t120.0\t900\t700\t750\t1\t2\t90\t0.9\n",
    }
    for name, row in jobs.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(header + row)
    summary = summarise_benchmarks(sorted(tmp_path.glob("*/*.tsv")))
    assert summary.to_dict(orient="records") == [
        {"rule": "embed", "jobs": 2, "wall_s_total": 20.0, "wall_s_max": 12.5,
         "cpu_s_total": 17.0, "peak_rss_mb_max": 950.5},
        {"rule": "greyscale", "jobs": 1, "wall_s_total": 1.0, "wall_s_max": 1.0,
         "cpu_s_total": 0.9, "peak_rss_mb_max": 120.0},
    ]  # fmt: skip
    assert re.search(r"\| embed +\| +2 \| +20.0 \|", benchmark_markdown(summary))


def test_failure_report_takes_the_list_snakemake_9_hands_onerror(tmp_path: Path) -> None:
    main_log = tmp_path / "snakemake.log"
    main_log.write_text("Error in rule embed:\n    jobid: 7\n")
    assert "1 job(s) failed" in failure_report([str(main_log)])
    assert "no log file" in failure_report([])


def test_markdown_tables_render_as_html_for_the_report() -> None:
    from colourfr.io.html import markdown_to_html

    text = (
        "# Table 3 <x>\n\nAt FMR 0.1 %, `s1` **baseline**.\n\n"
        "| Scenario | FRR (%) |\n|:---|---:|\n| grey / grey | 2.857 [0.000, 5.038] |\n\n"
        "- first\n- second\n  continued\n"
    )
    page = markdown_to_html(text, "Table 3")
    assert "<h1>Table 3 &lt;x&gt;</h1>" in page
    assert "<p>At FMR 0.1 %, <code>s1</code> <b>baseline</b>.</p>" in page
    assert "<th>Scenario</th>" in page and "<td>grey / grey</td>" in page
    assert '<td class="num">2.857 [0.000, 5.038]</td>' in page
    assert "<li>second continued</li>" in page
    assert page.count("<tr>") == 2


def test_partial_report_hint_puts_targets_before_the_config_files() -> None:
    from colourfr.reporting.failures import partial_report_hint

    hint = partial_report_hint(["r/a.html", "r/b.csv"], "--configfile c.yaml")
    assert hint.endswith("snakemake --report report.html r/a.html r/b.csv --configfile c.yaml")
    assert "nothing to report" in partial_report_hint([])


def test_last_error_is_a_serious_record_or_an_exception_not_a_progress_line(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text(
        "2026-12-07 10:00:00,001 INFO colourfr.embed: 10/20 images (50 %), 0 error(s)\n"
        "2026-12-07 10:00:01,002 WARNING colourfr.embed: image a/1 has no face\n"
        "2026-12-07 10:00:02,003 INFO colourfr.embed: error: none so far, 20/20 images\n"
    )
    assert last_error_line(log).endswith("WARNING colourfr.embed: image a/1 has no face")
    log.write_text(
        "2026-12-07 10:00:00,001 INFO colourfr.embed: started\nTraceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "colourfr.errors.PluginRuntimeError: recognition system x: recogniser error\n"
    )
    assert last_error_line(log).startswith("colourfr.errors.PluginRuntimeError: recognition")


def test_performance_record_reads_this_runs_jobs_only(tmp_path: Path) -> None:
    from colourfr.reporting.benchmarks import run_benchmark_files

    folder = tmp_path / "benchmarks" / "embed"
    folder.mkdir(parents=True)
    pattern = str(folder) + "/{dataset}_{system}_{variant}_{shard}.tsv"
    for name in ("my_data_arc_grey_s0000", "my_data_arc_grey_s0001", "my_data_arc_grey_s0007",
                 "my_data_old_grey_s0000", "my_data_arc_colourised-gone_s0000"):  # fmt: skip
        (folder / f"{name}.tsv").write_text("s\tmax_rss\n1.0\t10\n")
    found = run_benchmark_files(
        [pattern],
        {"dataset": ["my_data"], "system": ["arc"], "variant": ["grey"]},
        {"my_data": ["s0000", "s0001"]},  # s0007: a shard of an earlier shard size
    )
    assert [p.name for p in found] == ["my_data_arc_grey_s0000.tsv", "my_data_arc_grey_s0001.tsv"]
