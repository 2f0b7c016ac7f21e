# Identification mode (config: identification.enabled): per scenario, every probe searched
# in the gallery of its reference variant, reduced blockwise to ranks and minima
# (colourfr.identification); per system, rank-1, CMC and FNIR at FPIR with thresholds
# from the baseline scenario's non-mated searches (colourfr.reporting.identification).
from colourfr.scenarios import expand_scenarios as _expand_scenarios


rule identify:
    input:
        unpack(scenario_recognition_inputs),
        protocol=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/protocol.json",
        references=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/references.csv",
        probes=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/probes.csv",
    output:
        searches=f"{RESULTS_DIR}/{{dataset}}/identification/{{protocol}}/{{system}}/{{scenario}}.parquet",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/identify_{{protocol}}_{{system}}_{{scenario}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/identify/{{dataset}}_{{protocol}}_{{system}}_{{scenario}}.tsv"
    wildcard_constraints:
        system="[A-Za-z0-9_.-]+",
        scenario="[A-Za-z0-9_.-]+",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        withheld_share=SETTINGS["identification"]["withheld_share"],
        seed=SETTINGS["identification"]["seed"],
    script:
        "../workflow/scripts/identify.py"


rule identification_metrics:
    input:
        searches=lambda w: [
            f"{RESULTS_DIR}/{w.dataset}/identification/{w.protocol}/{w.system}/{s['id']}.parquet"
            for s in scenario_instances()
        ],
    output:
        **table_outputs(
            f"{RESULTS_DIR}/{{dataset}}/identification/{{protocol}}/{{system}}/identification",
            caption="../docs/captions/identification.rst",
            category="Identification",
            labels={
                "dataset": "{dataset}",
                "protocol": "{protocol}",
                "system": "{system}",
                "table": "identification",
            },
        ),
        mcnemar=f"{RESULTS_DIR}/{{dataset}}/identification/{{protocol}}/{{system}}/mcnemar_rank1.csv",
        cmc_png=report(
            f"{RESULTS_DIR}/{{dataset}}/figures/{{protocol}}/{{system}}/cmc.png",
            caption="../docs/captions/cmc.rst",
            category="Identification",
            labels={
                "dataset": "{dataset}",
                "protocol": "{protocol}",
                "system": "{system}",
                "figure": "CMC",
            },
        ),
        cmc_pdf=f"{RESULTS_DIR}/{{dataset}}/figures/{{protocol}}/{{system}}/cmc.pdf",
        fnir_png=report(
            f"{RESULTS_DIR}/{{dataset}}/figures/{{protocol}}/{{system}}/fnir_fpir.png",
            caption="../docs/captions/fnir_fpir.rst",
            category="Identification",
            labels={
                "dataset": "{dataset}",
                "protocol": "{protocol}",
                "system": "{system}",
                "figure": "FNIR vs FPIR",
            },
        ),
        fnir_pdf=f"{RESULTS_DIR}/{{dataset}}/figures/{{protocol}}/{{system}}/fnir_fpir.pdf",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/identification_metrics_{{protocol}}_{{system}}.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        scenarios=lambda w: [s["id"] for s in scenario_instances()],
        labels=lambda w: {s["id"]: s["label"] for s in scenario_instances()},
        baseline=lambda w: baseline_scenario(scenario_instances()),
        paired_tests=lambda w: [
            pair
            for pair in paired_test_pairs(
                _expand_scenarios(SETTINGS["scenarios"], enabled("colourisers"))
            )
            if pair[0] != baseline_scenario(scenario_instances())
        ],
        fpir_targets=SETTINGS["identification"]["fpir_targets"],
        max_rank=SETTINGS["identification"]["max_rank"],
        bootstrap=SETTINGS["metrics"]["bootstrap"],
    script:
        "../workflow/scripts/identification_metrics.py"
