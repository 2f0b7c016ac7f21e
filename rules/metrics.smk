# ISO/IEC 19795-1 evaluation of one (dataset, protocol, recognition system): thresholds
# from the baseline scenario's impostors (config: scenarios[*].baseline), reused for all
# scenarios; FTA, FNMR, FRR, d', EER, bootstrap intervals, McNemar tests, Table 3, DET,
# FRR-vs-threshold (Fig. 4b) and score distributions (colourfr.reporting.performance).
from colourfr.comparison import baseline_scenario
from colourfr.scenarios import paired_test_pairs

METRICS_OUT = f"{RESULTS_DIR}/{{dataset}}/metrics/{{protocol}}/{{system}}"
FIGURES_OUT = f"{RESULTS_DIR}/{{dataset}}/figures/{{protocol}}/{{system}}"
_LABELS = {"dataset": "{dataset}", "protocol": "{protocol}", "system": "{system}"}


rule metrics:
    input:
        scores=lambda w: [
            f"{RESULTS_DIR}/{w.dataset}/scores/{w.protocol}/{w.system}/{s['id']}.parquet"
            for s in scenario_instances()
        ],
    output:
        **table_outputs(
            f"{METRICS_OUT}/performance",
            caption="../docs/captions/performance.rst",
            category="Performance",
            labels={**_LABELS, "table": "Table 3: performance"},
        ),
        json=f"{METRICS_OUT}/performance.json",
        mcnemar=f"{METRICS_OUT}/mcnemar.csv",
        mcnemar_html=report(
            f"{METRICS_OUT}/mcnemar.html",
            caption="../docs/captions/mcnemar.rst",
            category="Performance",
            labels={**_LABELS, "table": "McNemar tests"},
        ),
        det_png=report(
            f"{FIGURES_OUT}/det.png",
            caption="../docs/captions/det.rst",
            category="Figures",
            labels={**_LABELS, "figure": "DET curves"},
        ),
        det_pdf=f"{FIGURES_OUT}/det.pdf",
        frr_png=report(
            f"{FIGURES_OUT}/frr_threshold.png",
            caption="../docs/captions/frr_threshold.rst",
            category="Figures",
            labels={**_LABELS, "figure": "Fig. 4b: FRR vs threshold"},
        ),
        frr_pdf=f"{FIGURES_OUT}/frr_threshold.pdf",
        dist_png=report(
            f"{FIGURES_OUT}/score_distributions.png",
            caption="../docs/captions/score_distributions.rst",
            category="Figures",
            labels={**_LABELS, "figure": "score distributions"},
        ),
        dist_pdf=f"{FIGURES_OUT}/score_distributions.pdf",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/metrics_{{protocol}}_{{system}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/metrics/{{dataset}}_{{protocol}}_{{system}}.tsv"
    wildcard_constraints:
        system="[A-Za-z0-9_.-]+",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=8000,
    params:
        scenarios=lambda w: [s["id"] for s in scenario_instances()],
        labels=lambda w: {s["id"]: s["label"] for s in scenario_instances()},
        baseline=lambda w: baseline_scenario(scenario_instances()),
        paired_tests=lambda w: paired_test_pairs(
            expand_scenarios(SETTINGS["scenarios"], enabled("colourisers"))
        ),
        fmr_targets=SETTINGS["metrics"]["fmr_targets"],
        primary_fmr=SETTINGS["metrics"]["primary_fmr"],
        bootstrap=SETTINGS["metrics"]["bootstrap"],
    script:
        "../workflow/scripts/metrics.py"


register_targets(
    lambda dataset: [
        path
        for protocol in protocols_for(dataset)
        for system in enabled("recognition")
        for path in rule_outputs(
            "metrics", dataset=dataset, protocol=protocol, system=system
        )
    ]
)


# Does colourisation help? The paired effect of each colourised scenario against its
# control (colourfr.scenarios.effect_comparisons) on FRR at the primary FMR, for every
# dataset, protocol and system: one table with Holm-adjusted p-values across it, the
# forest plot, and the sentences of the summary's headline.
rule effects:
    input:
        scores=lambda w: effect_score_files(),
    output:
        **table_outputs(
            f"{RESULTS_DIR}/effects/effects",
            caption="../docs/captions/effects.rst",
            category="Summary",
            labels={"table": "Effects of colourisation"},
        ),
        forest_png=report(
            f"{RESULTS_DIR}/figures/effects_forest.png",
            caption="../docs/captions/effects_forest.rst",
            category="Summary",
            labels={"figure": "Forest plot of the effects"},
        ),
        forest_pdf=f"{RESULTS_DIR}/figures/effects_forest.pdf",
        # the plotted rows (what the figure shows, as numbers)
        forest_data=f"{RESULTS_DIR}/figures/effects_forest.csv",
    log:
        f"{RESULTS_DIR}/logs/effects.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/effects/effects.tsv"
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        jobs=lambda w: effect_jobs(),
        fmr=SETTINGS["metrics"]["primary_fmr"],
        margin=SETTINGS["metrics"]["equivalence_margin"],
        bootstrap=SETTINGS["metrics"]["bootstrap"],
    script:
        "../workflow/scripts/effects.py"
