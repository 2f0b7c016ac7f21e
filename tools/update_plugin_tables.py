#!/usr/bin/env python3
"""Replace the plugin tables in config/README.md with `colourfr plugins --markdown`
(tests/test_config.py fails when they differ)."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from colourfr.cli import main

README = Path(__file__).resolve().parent.parent / "config" / "README.md"
BEGIN, END = "<!-- BEGIN PLUGINS -->\n", "<!-- END PLUGINS -->"

if __name__ == "__main__":
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["plugins", "--markdown"])
    text = README.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + BEGIN + buffer.getvalue().rstrip("\n") + "\n" + END + tail)
    sys.exit(0)
