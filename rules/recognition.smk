# Face recognition: per (dataset, recognition system, variant, shard) the detection
# records and embeddings of every image (FTA recorded per image), plus the steps that
# produce model files: buffalo_l download/extract, the SCRFD-2.5G-kps download and the
# MXNet -> ONNX conversion of the MobileFaceNet ArcFace.
#
# GPU instances (gpu: true) run in envs/recognition-gpu.yaml (onnxruntime-gpu) and
# request `resources: gpu=1`; every other instance runs in the main environment.


rule embed:
    input:
        unpack(embed_inputs),
    output:
        records=f"{R}/{{dataset}}/recognition/{{system}}/{{variant}}/{{shard}}.parquet",
        embeddings=f"{R}/{{dataset}}/recognition/{{system}}/{{variant}}/{{shard}}.npy",
    params:
        instance=lambda w: instance("recognition", w.system),
    wildcard_constraints:
        system=_recognition_pattern(_recognition_instances(gpu=False)),
    log:
        f"{R}/logs/{{dataset}}/embed_{{system}}_{{variant}}_{{shard}}.log",
    threads: lambda w: instance("recognition", w.system)["threads"]
    resources:
        mem_mb=lambda w: instance("recognition", w.system)["mem_mb"],
        gpu=lambda w: gpu_resources("recognition", w.system),
    conda:
        "../envs/colourfr.yaml"
    script:
        "../workflow/scripts/embed.py"


use rule embed as embed_gpu with:
    wildcard_constraints:
        system=_recognition_pattern(_recognition_instances(gpu=True)),
    log:
        f"{R}/logs/{{dataset}}/embed_{{system}}_{{variant}}_{{shard}}.log",
    conda:
        "../envs/recognition-gpu.yaml"


rule fetch_buffalo_l:
    output:
        detector=f"{RES}/models/buffalo_l/det_10g.onnx",
        recogniser=f"{RES}/models/buffalo_l/w600k_r50.onnx",
    params:
        local_source=_pack_param("buffalo_l", "pack_dir"),
        cache_dir=f"{RES}/downloads",
        allow_downloads=CFG["allow_downloads"],
    log:
        f"{R}/logs/fetch_buffalo_l.log",
    run:
        install_buffalo_l(
            os.path.dirname(output.detector),
            local_source=params.local_source,
            cache_dir=params.cache_dir,
            allow_download=params.allow_downloads,
        )


rule fetch_scrfd_2_5g_kps:
    output:
        f"{RES}/models/{SCRFD_2_5G_KPS.target_name}",
    params:
        allow_downloads=CFG["allow_downloads"],
    log:
        f"{R}/logs/fetch_scrfd_2_5g_kps.log",
    run:
        from colourfr.assets import resolve_asset

        resolve_asset(SCRFD_2_5G_KPS, None, os.path.dirname(output[0]), params.allow_downloads)


rule import_mobilefacenet:
    # `colourfr models import-mxnet SYMBOL PARAMS OUT.onnx`, called in-process so that
    # it does not depend on the `colourfr` entry point being on PATH.
    input:
        unpack(_mxnet_inputs),
    output:
        f"{RES}/models/{PACKS['mobilefacenet-scrfd'].recogniser}",
    log:
        f"{R}/logs/import_mobilefacenet.log",
    threads: 1
    resources:
        mem_mb=4000,
    conda:
        "../envs/colourfr.yaml"
    script:
        "../workflow/scripts/import_mxnet.py"
