# Face sample quality: per-shard scores of every enabled estimator on every variant,
# using the detections of the estimator's configured recognition system; then the
# paper's Table 2, the quality CDFs (Fig. 4a) and error-versus-discard curves (EDC).
# Each estimator runs in the conda environment its plugin spec names (for example one
# with TensorFlow).


rule quality_score:
    input:
        unpack(lambda w: plugin_inputs("quality", w.estimator)),
        index=lambda w: variant_index(w.dataset, w.variant, w.shard),
        detections=quality_detections,
    output:
        table=f"{RESULTS_DIR}/{{dataset}}/quality/{{estimator}}/{{variant}}/{{shard}}.csv",
        provenance=f"{RESULTS_DIR}/{{dataset}}/quality/{{estimator}}/{{variant}}/{{shard}}.json",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/quality_{{estimator}}_{{variant}}_{{shard}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/quality_score/{{dataset}}_{{estimator}}_{{variant}}_{{shard}}.tsv"
    wildcard_constraints:
        estimator=_name_pattern(enabled("quality")),
    conda:
        lambda w: conda_env("quality", w.estimator)
    threads: lambda w: instance("quality", w.estimator)["threads"]
    resources:
        mem_mb=plugin_mem_mb("quality", "estimator"),
        gpu=lambda w: gpu_resources("quality", w.estimator),
    params:
        plugin=lambda w: plugin_of("quality", w.estimator),
        params=lambda w: job_params("quality", w.estimator),
        image_budget_mb=IMAGE_BUDGET_MB,
    script:
        "../workflow/scripts/quality_score.py"


rule quality_statistics:
    input:
        tables=lambda w: [
            path
            for by_variant in quality_tables_by_estimator(w.dataset).values()
            for paths in by_variant.values()
            for path in paths
        ],
    output:
        **table_outputs(
            f"{RESULTS_DIR}/{{dataset}}/tables/quality_statistics",
            caption="../docs/captions/quality_statistics.rst",
            category="Quality",
            labels={"dataset": "{dataset}", "table": "Table 2: quality statistics"},
        ),
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/quality_statistics.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        tables=lambda w: quality_tables_by_estimator(w.dataset),
        variants=lambda w: variants(),
    script:
        "../workflow/scripts/quality_statistics.py"


rule quality_cdf:
    input:
        tables=lambda w: [
            path
            for v in variants()
            for path in quality_tables(w.dataset, w.estimator, v)
        ],
    output:
        png=report(
            f"{RESULTS_DIR}/{{dataset}}/figures/quality_cdf_{{estimator}}.png",
            caption="../docs/captions/quality_cdf.rst",
            category="Quality",
            labels={
                "dataset": "{dataset}",
                "figure": "Fig. 4a: quality CDF ({estimator})",
            },
        ),
        pdf=f"{RESULTS_DIR}/{{dataset}}/figures/quality_cdf_{{estimator}}.pdf",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/quality_cdf_{{estimator}}.log",
    wildcard_constraints:
        estimator=_name_pattern(enabled("quality")),
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        tables=lambda w: {
            v: quality_tables(w.dataset, w.estimator, v) for v in variants()
        },
    script:
        "../workflow/scripts/quality_cdf.py"


rule quality_edc:
    input:
        baseline=lambda w: score_file(
            w.dataset, w.protocol, w.system, _baseline_scenario()["id"]
        ),
        scores=lambda w: [
            score_file(w.dataset, w.protocol, w.system, s["id"])
            for s in scenario_instances()
        ],
        tables=lambda w: [
            path
            for v in variants()
            for path in quality_tables(w.dataset, w.estimator, v)
        ],
    output:
        png=report(
            f"{RESULTS_DIR}/{{dataset}}/figures/edc_{{protocol}}_{{system}}_{{estimator}}.png",
            caption="../docs/captions/quality_edc.rst",
            category="Quality",
            labels={
                "dataset": "{dataset}",
                "figure": "EDC {protocol} / {system} / {estimator}",
            },
        ),
        pdf=f"{RESULTS_DIR}/{{dataset}}/figures/edc_{{protocol}}_{{system}}_{{estimator}}.pdf",
        csv=f"{RESULTS_DIR}/{{dataset}}/tables/edc_{{protocol}}_{{system}}_{{estimator}}.csv",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/quality_edc_{{protocol}}_{{system}}_{{estimator}}.log",
    wildcard_constraints:
        protocol=_name_pattern(list(SETTINGS["protocols"])),
        system=_name_pattern(enabled("recognition")),
        estimator=_name_pattern(enabled("quality")),
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        scenarios=lambda w: scenario_instances(),
        tables=lambda w: {
            v: quality_tables(w.dataset, w.estimator, v) for v in variants()
        },
        fmr=SETTINGS["metrics"]["primary_fmr"],
        max_discard=QUALITY_EDC_MAX_DISCARD,
    script:
        "../workflow/scripts/quality_edc.py"


register_targets(quality_targets)
