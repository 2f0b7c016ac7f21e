"""Snakemake script: dataset -> validated manifest + recorded per-image and per-subject
issues."""

from pathlib import Path

import pandas as pd

from colourfr.datasets import REGISTRY
from colourfr.datasets.fingerprint import write_shard_digests
from colourfr.datasets.manifest import (
    SubjectSelection,
    build_manifest,
    listing_issues,
    manifest_issues,
    read_subject_list,
    with_listing_issues,
)
from colourfr.datasets.suspicious import exclude_suspicious, find_suspicious
from colourfr.errors import ColourfrError
from colourfr.io.manifest import ISSUE_COLUMNS, write_manifest, write_manifest_issues
from colourfr.logs import setup_script_logging
from colourfr.protocol import build_protocol

log = setup_script_logging(snakemake)
dataset_name = snakemake.wildcards.dataset
dataset = snakemake.params.dataset

# The configured root, or the copy the fetch_dataset rule made (an input of this rule).
root = snakemake.params.root

reader = REGISTRY.get(dataset["format"]).load_factory()
listing = reader(Path(root), **dataset["options"])
log.info("%s: %d images listed under %s", dataset_name, len(listing), root)
subjects = dataset["subjects"]
selection = SubjectSelection(
    min_images=subjects["min_images"],
    max_subjects=subjects["max_subjects"],
    exclude=read_subject_list(subjects["exclude_lists"]),
)
manifest = build_manifest(
    listing,
    dataset_name,
    selection=selection,
    shard_size=snakemake.params.shard_size,
    threads=snakemake.threads,
    fail_on_bad_image=dataset["fail_on_bad_image"],
    merge_case_variants=subjects["merge_case_variants"],
)
warnings = pd.DataFrame(columns=list(ISSUE_COLUMNS))
if dataset["suspicious"]["check"]:
    warnings = find_suspicious(manifest, dataset["colour"], threads=snakemake.threads)
    log.info(
        "%s: %d suspicious file(s): %s",
        dataset_name,
        len(warnings),
        warnings["status"].value_counts().to_dict(),
    )
    if dataset["suspicious"]["exclude"] and not warnings.empty:
        manifest = with_listing_issues(
            exclude_suspicious(manifest, warnings), listing_issues(manifest)
        )
        log.info("%s: %d flagged image(s) left out", dataset_name, len(warnings))
issues = manifest_issues(manifest)
if not warnings.empty:
    issues = pd.concat([issues, warnings], ignore_index=True)
log.info(
    "%s: %d images of %d subjects in %d shards; %d unreadable (recorded as FTA), "
    "%d flagged as suspicious (%s), %d subject(s) without images (recorded)",
    dataset_name,
    len(manifest),
    manifest["subject_id"].nunique(),
    manifest["shard"].nunique(),
    int((manifest["status"] != "ok").sum()),
    len(warnings),
    "left out" if dataset["suspicious"]["exclude"] else "kept",
    len(listing_issues(manifest)),
)
# A protocol that cannot be built (no genuine pair, a broken pair list) stops the run
# here, before any image job (the protocol rule writes the files later).
for protocol_name, options in snakemake.params.protocols.items():
    options = dict(options)
    if options.get("reference", {}).get("rule") == "best":
        # The scores that choose them come later; any reference gives the same pairs count.
        options["reference"] = {"rule": "first"}
    try:
        build_protocol(manifest, options, root)
    except ColourfrError as exc:
        raise ColourfrError(f"protocol {protocol_name} of dataset {dataset_name}: {exc}") from exc
write_manifest_issues(issues, snakemake.output.issues)
write_manifest(manifest, snakemake.output.manifest)
# After the manifest: a shard whose digest file is newer than its index reruns its jobs.
changed = write_shard_digests(manifest, snakemake.output.manifest)
log.info("shards whose images changed: %s", ", ".join(changed) or "none")
