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
