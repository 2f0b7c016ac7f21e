"""After a failed run: which jobs failed, where their logs are, and the last error line of
each, instead of "At least one job did not complete successfully" after thousands of lines.

Read from Snakemake's own log of the run (the ``log`` its ``onerror`` handler receives).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# A line of colourfr's job logs (colourfr.logs): time, level, logger.
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (?P<level>[A-Z]+) ")
_SERIOUS_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})
# Outside the logging format: a Python exception line, a kill, a tool's "error:" line.
_ERROR_LINE = re.compile(r"^([\w.]*(Error|Exception|Exit|Interrupt)\b|Killed\b)|(?i:error:)")


@dataclass
class FailedJob:
    rule: str
    details: dict[str, str] = field(default_factory=dict)

    @property
    def logs(self) -> list[str]:
        text = self.details.get("log", "")
        text = text.split(" (check log file", 1)[0]
        return [part.strip() for part in text.split(",") if part.strip()]


def failed_jobs(snakemake_log: str) -> list[FailedJob]:
    """Every ``Error in rule NAME:`` block of a Snakemake log, with its indented fields
    (jobid, wildcards, log, ...), in order, without repeats of the same job."""
    jobs: list[FailedJob] = []
    current: FailedJob | None = None
    ending = ""  # how the job's command ended, reported just before its error block
    for line in snakemake_log.splitlines():
        how = re.search(
            r"(died with <Signals\.(\w+): \d+>|returned non-zero exit status \d+)", line
        )
        if how:
            ending = how.group(2) or how.group(1)
        header = re.match(r"^Error in rule (\S+):\s*$", line)
        if header:
            current = FailedJob(header.group(1))
            if ending:
                current.details["ended"] = ending
                ending = ""
            jobs.append(current)
            continue
        if current is not None:
            detail = re.match(r"^\s{4}(\w[\w ]*):\s?(.*)$", line)
            if detail:
                current.details[detail.group(1)] = detail.group(2)
            else:
                current = None
    unique: dict[tuple[str, str], FailedJob] = {}
    for job in jobs:
        unique.setdefault((job.rule, job.details.get("jobid", str(id(job)))), job)
    return list(unique.values())


def last_error_line(path: str | Path) -> str:
    """The last line of a job's log at WARNING or above, or the last exception line of a
    traceback (else its last line)."""
    try:
        lines = [line.strip() for line in Path(path).read_text(errors="replace").splitlines()]
    except OSError:
        return "(log file not found)"
    lines = [line for line in lines if line]
    for line in reversed(lines):
        logged = _LOG_LINE.match(line)
        if logged:  # a log record counts by its level only (progress lines say "error" too)
            if logged.group("level") in _SERIOUS_LEVELS:
                return line
            continue
        if _ERROR_LINE.search(line) and not line.startswith("Traceback"):
            return line
    return lines[-1] if lines else "(empty log)"


def _log_file(snakemake_log: str | Path | Sequence[str | Path]) -> Path | None:
    # Snakemake 9 hands onerror a list of its log files (empty without a log file).
    if isinstance(snakemake_log, (str, Path)):
        return Path(snakemake_log)
    files = [Path(p) for p in snakemake_log]
    return next((p for p in files if p.is_file()), files[0] if files else None)


def failure_report(snakemake_log: str | Path | Sequence[str | Path]) -> str:
    """The text the workflow prints when a run fails, from Snakemake's log of the run
    (a path, or the list of them Snakemake's ``onerror`` receives)."""
    log_file = _log_file(snakemake_log)
    if log_file is None:
        return "colourfr: the run failed; Snakemake wrote no log file to read the failed jobs from"
    snakemake_log = log_file
    try:
        text = Path(snakemake_log).read_text(errors="replace")
    except OSError:
        return f"colourfr: the run failed; Snakemake's log {snakemake_log} could not be read"
    jobs = failed_jobs(text)
    if not jobs:
        return f"colourfr: the run failed before any job did; see {snakemake_log}"
    lines = [f"colourfr: {len(jobs)} job(s) failed:"]
    for job in jobs:
        wildcards = job.details.get("wildcards", "")
        lines.append(f"  {job.rule}" + (f" ({wildcards})" if wildcards else ""))
        outputs = job.details.get("output", "")
        if outputs:
            lines.append(f"    output: {outputs.split(', ')[0]}")
        if job.details.get("ended") == "SIGKILL":
            lines.append("    ended: killed (SIGKILL: out of memory, a time limit, or by hand)")
        elif job.details.get("ended"):
            lines.append(f"    ended: {job.details['ended']}")
        for log in job.logs:
            lines.append(f"    log: {log}")
            lines.append(f"    last error: {last_error_line(log)}")
        if not job.logs:
            lines.append(f"    {job.details.get('message', 'no log file')}")
    lines.append(
        "Fix the cause and run the same command again: finished jobs are kept, only these "
        "and what depends on them run. --keep-going finishes everything else first."
    )
    return "\n".join(lines)


def partial_report_hint(finished: Sequence[str], config_args: str = "") -> str:
    """How to get a report of what finished: Snakemake's --report refuses while any
    report file of the whole run is missing, but accepts the finished targets."""
    if not finished:
        return "No target of the run finished yet, so there is nothing to report."
    return (
        "A report of what finished (--report alone refuses while outputs are missing):\n"
        # Targets before --configfile, which takes every following word as a file.
        f"  snakemake --report report.html {' '.join(finished)} {config_args}".rstrip()
    )
