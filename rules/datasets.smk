# Datasets -> validated manifests (a checkpoint: shards are known after it), protocols,
# the paper's Table 1, and the index of the original images per shard.

from colourfr.datasets.download import (
    FETCH_MARKER,
    dataset_root,
    downloaded_by_workflow,
    manifest_settings,
)


rule fetch_dataset:
    # Only for datasets with `download: true` and `root: null`. allow_downloads is not a
    # param: it permits the network access but does not change what is fetched, so
    # flipping it must not rerun the fetch and everything after it (the script reads it
    # from the config).
    output:
        marker=f"{RESOURCES_DIR}/datasets/{{dataset}}/{FETCH_MARKER}",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/fetch_dataset.log",
    wildcard_constraints:
        dataset=_name_pattern(
            [n for n, d in SETTINGS["datasets"].items() if downloaded_by_workflow(d)]
        ),
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        format=lambda w: SETTINGS["datasets"][w.dataset]["format"],
        options=lambda w: SETTINGS["datasets"][w.dataset]["options"],
        archive_sha256=lambda w: SETTINGS["datasets"][w.dataset]["archive_sha256"],
    script:
        "../workflow/scripts/fetch_dataset.py"


checkpoint manifest:
    input:
        fetched=lambda w: (
            [f"{RESOURCES_DIR}/datasets/{w.dataset}/{FETCH_MARKER}"]
            if downloaded_by_workflow(SETTINGS["datasets"][w.dataset])
            else []
        ),
        lists=lambda w: manifest_files(w.dataset),
    output:
        manifest=f"{RESULTS_DIR}/{{dataset}}/manifest.csv",
        issues=f"{RESULTS_DIR}/{{dataset}}/manifest_issues.csv",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/manifest.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 2
    resources:
        mem_mb=2000,
    params:
        # Only the settings it reads: changing a dataset's protocols or download
        # settings must not rebuild the manifest and everything after it.
        dataset=lambda w: manifest_settings(SETTINGS["datasets"][w.dataset]),
        # Computed on every run (one stat per file): an added, removed or replaced image
        # or listing file reruns the manifest (colourfr.datasets.fingerprint).
        listing=lambda w: listing_fingerprint_of(w.dataset),
        root=lambda w: dataset_root(
            SETTINGS["datasets"][w.dataset], w.dataset, RESOURCES_DIR
        ),
        shard_size=SETTINGS["sharding"]["shard_size"],
        # Checked here so that a protocol without a genuine pair stops the run early.
        protocols=lambda w: {
            p: SETTINGS["protocols"][p] for p in protocols_for(w.dataset)
        },
    script:
        "../workflow/scripts/manifest.py"


rule protocol:
    input:
        manifest=f"{RESULTS_DIR}/{{dataset}}/manifest.csv",
        # reference rule best: the scores of the original images that choose the references
        quality=lambda w: reference_quality_tables(w.dataset, w.protocol),
        detections=lambda w: reference_detection_shards(w.dataset, w.protocol),
        lists=lambda w: protocol_inputs(w.dataset, w.protocol),
    output:
        summary=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/protocol.json",
        references=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/references.csv",
        probes=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/probes.csv",
        pairs=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/pairs.csv",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/protocol_{{protocol}}.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        options=lambda w: SETTINGS["protocols"][w.protocol],
        dataset_root=lambda w: dataset_root(
            SETTINGS["datasets"][w.dataset], w.dataset, RESOURCES_DIR
        ),
    script:
        "../workflow/scripts/protocol.py"


rule dataset_overview:
    input:
        summaries=lambda w: expand(
            f"{RESULTS_DIR}/{w.dataset}/protocols/{{protocol}}/protocol.json",
            protocol=protocols_for(w.dataset),
        ),
        issues=f"{RESULTS_DIR}/{{dataset}}/manifest_issues.csv",
    output:
        **table_outputs(
            f"{RESULTS_DIR}/{{dataset}}/tables/dataset_overview",
            caption="../docs/captions/dataset_overview.rst",
            category="Tables",
            labels={"dataset": "{dataset}", "table": "Table 1: dataset overview"},
        ),
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/dataset_overview.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        protocols=lambda w: protocols_for(w.dataset),
    script:
        "../workflow/scripts/dataset_overview.py"


rule original_index:
    # ancient(manifest): a rebuilt manifest reruns a shard's index (and the per-image jobs
    # after it) only when that shard's rows changed, which is when the manifest job rewrites
    # the shard's digest file (colourfr.datasets.fingerprint.write_shard_digests). A
    # protocol that cannot be built fails the manifest job itself, before any image job.
    input:
        rows=f"{RESULTS_DIR}/{{dataset}}/shards/{{shard}}.rows",
        manifest=ancient(f"{RESULTS_DIR}/{{dataset}}/manifest.csv"),
    output:
        index=f"{RESULTS_DIR}/{{dataset}}/variants/original/{{shard}}.csv",
        # working copies of images larger than working_resolution.max_side (else empty)
        images=directory(f"{RESULTS_DIR}/{{dataset}}/variants/original/{{shard}}"),
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/original_index_{{shard}}.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        max_side=lambda w: SETTINGS["datasets"][w.dataset]["working_resolution"][
            "max_side"
        ],
    script:
        "../workflow/scripts/original_index.py"
