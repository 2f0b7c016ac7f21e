# Datasets -> validated manifests (a checkpoint: shards are known after it), protocols,
# the paper's Table 1, and the index of the original images per shard.


checkpoint manifest:
    output:
        manifest=f"{R}/{{dataset}}/manifest.csv",
        issues=f"{R}/{{dataset}}/manifest_issues.csv",
    params:
        dataset=lambda w: CFG["datasets"][w.dataset],
        shard_size=CFG["sharding"]["shard_size"],
        allow_downloads=CFG["allow_downloads"],
        resources_dir=RES,
    log:
        f"{R}/logs/{{dataset}}/manifest.log",
    threads: 2
    resources:
        mem_mb=2000,
    conda:
        "../envs/colourfr.yaml"
    script:
        "../workflow/scripts/build_manifest.py"


rule protocol:
    input:
        manifest=f"{R}/{{dataset}}/manifest.csv",
    output:
        summary=f"{R}/{{dataset}}/protocols/{{protocol}}/protocol.json",
        references=f"{R}/{{dataset}}/protocols/{{protocol}}/references.csv",
        probes=f"{R}/{{dataset}}/protocols/{{protocol}}/probes.csv",
        pairs=f"{R}/{{dataset}}/protocols/{{protocol}}/pairs.csv",
    params:
        options=lambda w: CFG["protocols"][w.protocol],
        dataset_root=lambda w: CFG["datasets"][w.dataset]["root"],
    log:
        f"{R}/logs/{{dataset}}/protocol_{{protocol}}.log",
    threads: 1
    resources:
        mem_mb=2000,
    conda:
        "../envs/colourfr.yaml"
    script:
        "../workflow/scripts/build_protocol.py"


rule dataset_overview:
    input:
        summaries=lambda w: expand(
            f"{R}/{w.dataset}/protocols/{{protocol}}/protocol.json",
            protocol=protocols_for(w.dataset),
        ),
    output:
        csv=report(
            f"{R}/{{dataset}}/tables/dataset_overview.csv",
            caption="../docs/captions/dataset_overview.rst",
            category="Tables",
            labels={"dataset": "{dataset}", "table": "Table 1: dataset overview"},
        ),
        md=f"{R}/{{dataset}}/tables/dataset_overview.md",
    params:
        protocols=lambda w: protocols_for(w.dataset),
    log:
        f"{R}/logs/{{dataset}}/dataset_overview.log",
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/colourfr.yaml"
    script:
        "../workflow/scripts/dataset_overview.py"


rule original_index:
    input:
        manifest=f"{R}/{{dataset}}/manifest.csv",
    output:
        index=f"{R}/{{dataset}}/variants/original/{{shard}}.csv",
    log:
        f"{R}/logs/{{dataset}}/original_index_{{shard}}.log",
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/colourfr.yaml"
    script:
        "../workflow/scripts/original_index.py"

