# Face recognition: per (dataset, recognition system, variant, shard) the detection
# records and embeddings of every image (FTA recorded per image). The model files a
# system reads are inputs from its plugin plan (configured paths, or artifacts that
# rules/artifacts.smk makes: downloads, the MXNet -> ONNX conversion); each instance runs
# in the environment its spec names (GPU instances: envs/recognition-gpu.yaml).


rule embed:
    input:
        unpack(plugin_job_inputs("recognition", "system")),
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
        plugin_job_conda("recognition", "system")
    threads: plugin_job_threads("recognition", "system")
    resources:
        **plugin_job_resources("recognition", "system"),
    params:
        **plugin_job_params("recognition", "system"),
    script:
        "../workflow/scripts/embed.py"
