"""`colourfr --help` and argument errors answer without the numerical stack: the parser of
every subcommand is built before any of them runs, so a heavy import at the top of one
command module would slow down every other command."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "pandas", "scipy", "matplotlib", "torch", "onnxruntime", "cv2")


def test_building_the_parser_imports_no_numerical_library() -> None:
    probe = (
        "import sys, colourfr.cli; colourfr.cli.build_parser(); "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"imported while building the parser: {result.stdout}"
