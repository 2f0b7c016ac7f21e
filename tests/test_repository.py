"""The repository explains itself: no comment or document points at an issue tracker the
repository does not contain."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRACKER = re.compile(r"\b[Ii]ssues? #?\d+(\.\d+)?\b|\bthe issue's\b")


def test_no_reference_to_an_external_tracker() -> None:
    found = []
    for folder in ("src", "rules", "workflow", "docs", "tests", "bench", "tools", "examples"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix not in {".py", ".smk", ".md", ".rst", ".yaml", ".toml"}:
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if TRACKER.search(line) and path.name != Path(__file__).name:
                    found.append(f"{path.relative_to(REPO)}:{number}")
    assert found == []
