# Colourisation of the greyscale variant, one job per (colouriser, shard), and the DeOldify
# weights it reads: params.weights when set, else <resources_dir>/models/deoldify/<file>,
# which rule fetch_deoldify_weights downloads (size-checked, and sha256-checked where
# pinned) once for every instance and shard, only when the global allow_downloads is true.


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



rule fetch_deoldify_weights:
    output:
        f"{DEOLDIFY_WEIGHTS_DIR}/{{weights_file}}",
    params:
        asset=lambda w: next(a for a in DEOLDIFY_ASSETS.values() if a.target_name == w.weights_file),
        allow_downloads=CFG["allow_downloads"],
    wildcard_constraints:
        weights_file="|".join(re.escape(a.target_name) for a in DEOLDIFY_ASSETS.values()),
    log:
        f"{R}/logs/fetch_deoldify_{{weights_file}}.log",
    threads: 1
    resources:
        mem_mb=1000,
    run:
        from colourfr.assets import resolve_asset

        # Offline (allow_downloads: false) this fails at once with the URL to fetch by hand
        # and the config key to set, before any colourise job starts.
        resolve_asset(params.asset, None, os.path.dirname(output[0]), params.allow_downloads)
