"""`colourfr references` output read back by reference rule `list`, for any dataset format."""

from __future__ import annotations

from pathlib import Path

import yaml

from colourfr.cli import main
from colourfr.datasets import REGISTRY
from colourfr.protocol import reference_per_subject, reference_rule


def references_round_trip(dataset: dict, work: Path, *where: str) -> tuple[list[str], list[str]]:
    """Writes a list with `colourfr references` for ``dataset`` (a ``datasets.<name>``
    entry) and chooses the references of its listing with that list: (the ids the command
    wrote, the references the list rule chose)."""
    config = work / "references-config.yaml"
    config.write_text(yaml.safe_dump({"datasets": {"mine": dataset}}))
    out = work / "references.txt"
    arguments = ["references", "--configfile", str(config), "--dataset", "mine", "--out", str(out)]
    assert main([*arguments, *(a for w in where for a in ("--where", w))]) == 0
    written = [line for line in out.read_text().splitlines() if not line.startswith("#")]
    listing = REGISTRY.get(dataset["format"]).load_factory()(
        Path(dataset["root"]), **dataset.get("options", {})
    )
    protocol = reference_per_subject(
        listing.assign(status="ok"),
        probes_from_other_sessions=False,
        reference=reference_rule({"reference": {"rule": "list", "list": str(out)}}),
    )
    return sorted(written), sorted(protocol.references["image_id"])
