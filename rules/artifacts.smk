# Files that plugin jobs read and the workflow makes: one rule per artifact of the
# enabled instances' plans (colourfr.plugin_plan), named by the artifact (a download
# fetch_..., a model conversion import_..., a training run train_<instance>). Downloads run only
# where allowed (the global allow_downloads and every instance's allow_download); offline
# they fail at once with what to fetch by hand and which config key to set. Whether a
# download is allowed is no param: flipping it must not rerun what was already fetched.
from colourfr.plugin_plan import DOWNLOAD, run_artifact

for _artifact in ARTIFACTS.values():
    if _artifact.kind == DOWNLOAD:

        rule:
            name:
                _artifact.name
            output:
                **_artifact.outputs,
            log:
                f"{RESULTS_DIR}/logs/artifacts/{_artifact.name}.log",
            threads: 1
            resources:
                mem_mb=_artifact.mem_mb,
                runtime=_artifact.runtime_min,
            params:
                artifact=_artifact.name,
                params=dict(_artifact.params),
            run:
                run_artifact(
                    ARTIFACTS[params.artifact],
                    allow_download=SETTINGS["allow_downloads"]
                    and ARTIFACT_DOWNLOAD_ALLOWED[params.artifact],
                )

    else:

        rule:
            name:
                _artifact.name
            input:
                **_artifact.inputs,
            output:
                **_artifact.outputs,
            log:
                f"{RESULTS_DIR}/logs/artifacts/{_artifact.name}.log",
            benchmark:
                f"{RESULTS_DIR}/benchmarks/artifacts/{_artifact.name}.tsv"
            conda:
                conda_env_file(_artifact.conda_env, workflow.basedir)
            threads: _artifact.threads
            resources:
                mem_mb=_artifact.mem_mb,
                runtime=_artifact.runtime_min,
                gpu=int(_artifact.gpu),
            params:
                artifact=_artifact.name,
                function=_artifact.function,
                params=dict(_artifact.params),
            script:
                "../workflow/scripts/build_artifact.py"
