# Colourisation of the greyscale variant, one job per (colouriser, shard).
# Weights a plugin downloads (DeOldify) go to <resources_dir>/models/<plugin family>, and only
# when the global allow_downloads is true (colourfr.colourisers.run.build_colouriser).


rule colourise:
    input:
        index=f"{R}/{{dataset}}/variants/grey/{{shard}}.csv",
        # image -> subject, so that a colouriser is never run on the people it was trained on
        manifest=f"{R}/{{dataset}}/manifest.csv",
        extra=colouriser_inputs,
    output:
        index=f"{R}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}.csv",
        images=directory(f"{R}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}"),
        provenance=f"{R}/{{dataset}}/variants/colourised-{{colouriser}}/{{shard}}.json",
    params:
        instance=lambda w: instance("colourisers", w.colouriser),
        resources_dir=RES,
        allow_downloads=CFG["allow_downloads"],
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

