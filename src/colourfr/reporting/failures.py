"""After a failed run: which jobs failed, where their logs are, and the last error line of
each, instead of "At least one job did not complete successfully" after thousands of lines.

Read from Snakemake's own log of the run (the ``log`` its ``onerror`` handler receives).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_ERROR_LINE = re.compile(r"(Error|Exception|error:|Killed|Traceback)")


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
    for line in snakemake_log.splitlines():
        header = re.match(r"^Error in rule (\S+):\s*$", line)
        if header:
            current = FailedJob(header.group(1))
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
    """The last line of a job's log that looks like an error (else its last line)."""
    try:
        lines = [line.strip() for line in Path(path).read_text(errors="replace").splitlines()]
    except OSError:
        return "(log file not found)"
    lines = [line for line in lines if line]
    for line in reversed(lines):
        if _ERROR_LINE.search(line) and not line.startswith("Traceback"):
            return line
    return lines[-1] if lines else "(empty log)"


def failure_report(snakemake_log: str | Path) -> str:
    """The text the workflow prints when a run fails."""
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
