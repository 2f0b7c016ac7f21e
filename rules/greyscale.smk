# The greyscale variant: ImageMagick-exact Rec. 709 luma, 8-bit single-channel PNGs.


rule greyscale:
    input:
        index=f"{R}/{{dataset}}/variants/original/{{shard}}.csv",
    output:
        index=f"{R}/{{dataset}}/variants/grey/{{shard}}.csv",
        images=directory(f"{R}/{{dataset}}/variants/grey/{{shard}}"),
    log:
        f"{R}/logs/{{dataset}}/greyscale_{{shard}}.log",
    benchmark:
        f"{R}/benchmarks/greyscale/{{dataset}}_{{shard}}.tsv"
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=image_mem_mb(1000, STEP_BYTES_PER_PIXEL["greyscale"]),
    params:
        image_budget_mb=IMAGE_BUDGET_MB,
    script:
        "../workflow/scripts/greyscale.py"
