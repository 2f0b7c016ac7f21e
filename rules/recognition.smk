# Face recognition: per (dataset, recognition system, variant, shard) the detection
# records and embeddings of every image (FTA recorded per image). The model files a
# system reads are inputs from its plugin plan (configured paths, or artifacts that
# rules/artifacts.smk makes: downloads, the MXNet -> ONNX conversion); each instance runs
# in the environment its spec names (GPU instances: envs/recognition-gpu.yaml).


rule embed:
    input:
        unpack(lambda w: plugin_inputs("recognition", w.system)),
        index=lambda w: variant_index(w.dataset, w.variant, w.shard),
    output:
        records=f"{RESULTS_DIR}/{{dataset}}/recognition/{{system}}/{{variant}}/{{shard}}.parquet",
        embeddings=f"{RESULTS_DIR}/{{dataset}}/recognition/{{system}}/{{variant}}/{{shard}}.npy",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/embed_{{system}}_{{variant}}_{{shard}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/embed/{{dataset}}_{{system}}_{{variant}}_{{shard}}.tsv"
    wildcard_constraints:
        system=_name_pattern(enabled("recognition")),
    conda:
        lambda w: conda_env("recognition", w.system)
    threads: lambda w: instance("recognition", w.system)["threads"]
    resources:
        mem_mb=plugin_mem_mb("recognition", "system"),
        gpu=lambda w: gpu_resources("recognition", w.system),
    params:
        plugin=lambda w: plugin_of("recognition", w.system),
        params=lambda w: job_params("recognition", w.system),
        image_budget_mb=IMAGE_BUDGET_MB,
    script:
        "../workflow/scripts/embed.py"
