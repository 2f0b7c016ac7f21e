# Colour fidelity of each colouriser against the original colour images:
# per shard (CIEDE2000, chroma error, a*b* error, colourfulness) and a per-dataset summary.


rule colour_fidelity_shard:
    input:
        original=f"{RESULTS_DIR}/{{dataset}}/variants/original/{{shard}}.csv",
        colourised=f"{RESULTS_DIR}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}.csv",
    output:
        table=f"{RESULTS_DIR}/{{dataset}}/colour_fidelity/{{colouriser}}/{{shard}}.csv",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/colour_fidelity_{{colouriser}}_{{shard}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/colour_fidelity_shard/{{dataset}}_{{colouriser}}_{{shard}}.tsv"
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=image_mem_mb(1000, STEP_BYTES_PER_PIXEL["colour_fidelity"]),
    params:
        image_budget_mb=IMAGE_BUDGET_MB,
    script:
        "../workflow/scripts/colour_fidelity_shard.py"


rule colour_fidelity_summary:
    input:
        unpack(colour_fidelity_tables),
    output:
        **table_outputs(
            f"{RESULTS_DIR}/{{dataset}}/tables/colour_fidelity",
            caption="../docs/captions/colour_fidelity.rst",
            category="Colourisation",
            labels={"dataset": "{dataset}", "table": "colour fidelity"},
        ),
        png=report(
            f"{RESULTS_DIR}/{{dataset}}/figures/colour_fidelity_ciede2000.png",
            caption="../docs/captions/colour_fidelity_figure.rst",
            category="Colourisation",
            labels={"dataset": "{dataset}", "figure": "CIEDE2000 per colouriser"},
        ),
        pdf=f"{RESULTS_DIR}/{{dataset}}/figures/colour_fidelity_ciede2000.pdf",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/colour_fidelity_summary.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        colourisers=lambda w: enabled("colourisers"),
    script:
        "../workflow/scripts/colour_fidelity_summary.py"
