"""Every file a configuration names is an input of the rules that read it: an edit of a
subject list or a reference list reruns the manifest and the protocol, never "Nothing to
be done" with the old subjects or references left in the results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from helpers.data import TINY_PEOPLE
from helpers.snakemake import reduced_config_args


def test_edited_subject_and_reference_lists_rerun_what_reads_them(
    snakemake, tiny_dataset: Path, tmp_path: Path
) -> None:
    first, second = sorted(TINY_PEOPLE)
    exclude = tmp_path / "exclude.txt"
    exclude.write_text("1\nNobody_Listed\t1\n")  # LFW people-file layout
    references = tmp_path / "references.txt"
    references.write_text(f"{first}/{first}_0001\n{second}/{second}_0001\n")
    results = tmp_path / "results"
    overlay = tmp_path / "lists.yaml"
    overlay.write_text(yaml.safe_dump({
        "results_dir": str(results),
        "datasets": {
            "lfw": {"enabled": False},
            "toy": {
                "format": "folder", "root": str(tiny_dataset), "protocols": ["listed"],
                "subjects": {"exclude_lists": [str(exclude)]},
            },
        },
        "protocols": {
            "listed": {"kind": "reference-per-subject",
                       "reference": {"rule": "list", "list": str(references)}},
        },
    }))  # fmt: skip
    configs = reduced_config_args(overlay)
    manifest = results / "toy" / "manifest.csv"
    protocol = results / "toy" / "protocols" / "listed" / "references.csv"
    snakemake.run(str(protocol), *configs)
    chosen = pd.read_csv(protocol, dtype=str)["image_id"].tolist()
    assert sorted(chosen) == [f"{first}/{first}_0001", f"{second}/{second}_0001"]
    assert snakemake.planned_jobs([str(protocol)], configs) == {}

    # A new reference for one subject: the protocol (and the manifest, which checks that
    # every protocol can be built) run again.
    references.write_text(f"{first}/{first}_0002\n{second}/{second}_0001\n")
    assert snakemake.planned_jobs([str(protocol)], configs) == {"manifest": 1, "protocol": 1}
    snakemake.run(str(protocol), *configs)
    assert f"{first}/{first}_0002" in pd.read_csv(protocol, dtype=str)["image_id"].tolist()

    # A subject appended to the exclude list leaves the manifest.
    exclude.write_text(f"2\nNobody_Listed\t1\n{second}\t3\n")
    assert snakemake.planned_jobs([str(manifest)], configs) == {"manifest": 1}
    snakemake.run(str(manifest), *configs)
    assert set(pd.read_csv(manifest, dtype=str)["subject_id"]) == {first}
