# The greyscale variant: ImageMagick-exact Rec. 709 luma, 8-bit single-channel PNGs.


rule greyscale:
    input:
        index=f"{RESULTS_DIR}/{{dataset}}/variants/original/{{shard}}.csv",
    output:
        index=f"{RESULTS_DIR}/{{dataset}}/variants/grey/{{shard}}.csv",
        images=directory(f"{RESULTS_DIR}/{{dataset}}/variants/grey/{{shard}}"),
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/greyscale_{{shard}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/greyscale/{{dataset}}_{{shard}}.tsv"
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=image_mem_mb(1000, STEP_BYTES_PER_PIXEL["greyscale"]),
    params:
        image_budget_mb=IMAGE_BUDGET_MB,
    script:
        "../workflow/scripts/greyscale.py"
