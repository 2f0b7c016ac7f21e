# Colourisation of the greyscale variant, one job per (colouriser, shard). The files a
# colouriser reads (weights, a trained model) are inputs from its plugin plan: configured
# paths, or artifacts made by rules/artifacts.smk (downloads, training).


rule colourise:
    input:
        unpack(lambda w: plugin_inputs("colourisers", w.colouriser)),
        index=f"{RESULTS_DIR}/{{dataset}}/variants/grey/{{shard}}.csv",
        # image -> subject, so that a colouriser is never run on the people it was trained on
        # ancient: a rebuilt manifest reruns a shard only through its changed grey index
        manifest=ancient(f"{RESULTS_DIR}/{{dataset}}/manifest.csv"),
    output:
        index=f"{RESULTS_DIR}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}.csv",
        images=directory(
            f"{RESULTS_DIR}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}"
        ),
        provenance=f"{RESULTS_DIR}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}.json",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/colourise_{{colouriser}}_{{shard}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/colourise/{{dataset}}_{{colouriser}}_{{shard}}.tsv"
    wildcard_constraints:
        colouriser=_name_pattern(enabled("colourisers")),
    conda:
        lambda w: conda_env("colourisers", w.colouriser)
    threads: lambda w: instance("colourisers", w.colouriser)["threads"]
    resources:
        mem_mb=plugin_mem_mb("colourisers", "colouriser"),
        gpu=lambda w: gpu_resources("colourisers", w.colouriser),
    params:
        plugin=lambda w: plugin_of("colourisers", w.colouriser),
        params=lambda w: job_params("colourisers", w.colouriser),
        image_budget_mb=IMAGE_BUDGET_MB,
    script:
        "../workflow/scripts/colourise.py"
