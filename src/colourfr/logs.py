"""Logging for workflow scripts: everything goes to the rule's ``log:`` file."""

from __future__ import annotations

import logging
import sys
from typing import Any


def setup_script_logging(snakemake: Any) -> logging.Logger:
    """Send logging and stderr of a Snakemake script to its log file."""
    log_files = list(getattr(snakemake, "log", []))
    handlers: list[logging.Handler] = []
    if log_files:
        handle = open(log_files[0], "w")  # noqa: SIM115 - lives as long as the job
        sys.stderr = handle
        handlers.append(logging.StreamHandler(handle))
    else:
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    return logging.getLogger(f"colourfr.{getattr(snakemake, 'rule', 'script')}")


class ProgressLog:
    """Progress of a long job in its log: done/total, rate and ETA, at most every
    ``every_s`` seconds (and at the end), so a shard that takes an hour is never silent.

    ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        logger: logging.Logger,
        total: int,
        what: str = "images",
        every_s: float = 30.0,
        clock: Any = None,
    ) -> None:
        import time

        self.logger = logger
        self.total = total
        self.what = what
        self.every_s = every_s
        self.clock = clock or time.monotonic
        self.started = self.clock()
        self.last = self.started
        self.done = 0

    def message(self) -> str:
        elapsed = self.clock() - self.started
        share = f" ({100 * self.done / self.total:.0f} %)" if self.total else ""
        text = f"{self.done}/{self.total} {self.what}{share}"
        if self.done and elapsed > 0:
            rate = self.done / elapsed
            text += f", {rate:.3g} {self.what}/s"
            if self.done < self.total:
                text += f", about {format_duration((self.total - self.done) / rate)} left"
        return text

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if now - self.last >= self.every_s or self.done >= self.total:
            self.last = now
            self.logger.info("%s", self.message())


def format_duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``2.5 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
