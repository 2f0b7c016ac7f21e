# Colourisation of the greyscale variant, one job per (colouriser, shard).


rule colourise:
    input:
        index=f"{R}/{{dataset}}/variants/grey/{{shard}}.csv",
        extra=colouriser_inputs,
    output:
        index=f"{R}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}.csv",
        images=directory(f"{R}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}"),
        provenance=f"{R}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}.json",
    params:
        instance=lambda w: instance("colourisers", w.colouriser),
    log:
        f"{R}/logs/{{dataset}}/colourise_{{colouriser}}_{{shard}}.log",
    threads: lambda w: instance("colourisers", w.colouriser)["threads"]
    resources:
        mem_mb=lambda w: instance("colourisers", w.colouriser)["mem_mb"],
        gpu=lambda w: gpu_resources("colourisers", w.colouriser),
    conda:
        "../envs/colourisers.yaml"
    script:
        "../workflow/scripts/colourise.py"

