"""Snakemake script: fetch a `download: true` dataset into resources_dir and write the
marker the manifest step depends on (what was fetched, the archive's URL and sha256)."""

from pathlib import Path

from colourfr.config import schema_default
from colourfr.datasets.download import DEFAULT_IMAGES_DIR, fetch_dataset, fetch_record
from colourfr.io.atomic import write_json
from colourfr.logs import setup_script_logging

log = setup_script_logging(snakemake)
dataset_name = snakemake.wildcards.dataset
params = snakemake.params
destination = Path(snakemake.output.marker).parent
# Read from the config, not a rule param: the permission does not change what is fetched
# (see rules/datasets.smk), so flipping it must not rerun this job.
allow_download = bool(snakemake.config.get("allow_downloads", schema_default("allow_downloads")))

root = fetch_dataset(
    params.format,
    destination,
    allow_download,
    options=params.options,
    archive_sha256=params.archive_sha256,
    dataset_name=dataset_name,
)
images_dir = params.options.get("images_dir", DEFAULT_IMAGES_DIR)
record = {"dataset": dataset_name, **fetch_record(root, images_dir, params.archive_sha256)}
if record["expected_sha256"] is None:
    log.warning(
        "%s: no sha256 is known for %s, only its published MD5 (where one exists) and its "
        "structure were checked; to pin this copy, set datasets.%s.archive_sha256: %s",
        dataset_name,
        record["archive"],
        dataset_name,
        record["archive_sha256"],
    )
log.info("%s: fetched into %s", dataset_name, root)
write_json(snakemake.output.marker, record)
