# Skin tone and demographic differentials (config: skin_tone): per shard the CIELAB, hue
# and ITA of every image in every variant, in the cheek and forehead region placed by the
# landmarks the recognition system found in the original image; per protocol the
# subjects' ITA groups, their distribution and each colouriser's colour shift per group;
# per system the rates per group at the baseline threshold with FNMR/FMR ratios, FDR and
# GARBE (colourfr.skin_tone, colourfr.reporting.skin_tone).


SKIN_OUT = f"{RESULTS_DIR}/{{dataset}}/skin_tone/{{protocol}}"
SKIN_FIGURES = f"{RESULTS_DIR}/{{dataset}}/figures/{{protocol}}"


rule skin_tone_shard:
    input:
        unpack(skin_tone_inputs),
    output:
        tones=f"{RESULTS_DIR}/{{dataset}}/skin_tone/shards/{{shard}}.parquet",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/skin_tone_shard_{{shard}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/skin_tone_shard/{{dataset}}_{{shard}}.tsv"
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=image_mem_mb(1000, STEP_BYTES_PER_PIXEL["decode"]),
    params:
        variants=lambda w: variants(),
        image_budget_mb=IMAGE_BUDGET_MB,
    script:
        "../workflow/scripts/skin_tone_shard.py"


rule skin_tone_summary:
    input:
        tones=lambda w: [
            f"{RESULTS_DIR}/{w.dataset}/skin_tone/shards/{s}.parquet"
            for s in shards(w.dataset)
        ],
        references=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/references.csv",
        probes=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/probes.csv",
    output:
        **table_outputs(
            f"{SKIN_OUT}/groups",
            caption="../docs/captions/skin_tone_groups.rst",
            category="Tables",
            labels={
                "dataset": "{dataset}",
                "protocol": "{protocol}",
                "table": "Table 1b: skin-tone groups",
            },
            prefix="groups_",
        ),
        **table_outputs(
            f"{SKIN_OUT}/colour_shift",
            caption="../docs/captions/skin_tone_shift.rst",
            category="Skin tone",
            labels={
                "dataset": "{dataset}",
                "protocol": "{protocol}",
                "table": "colour shift",
            },
            prefix="shift_",
        ),
        subjects=f"{SKIN_OUT}/subject_groups.csv",
        images=f"{SKIN_OUT}/image_tones.csv",
        ita_png=report(
            f"{SKIN_FIGURES}/skin_tone_ita.png",
            caption="../docs/captions/skin_tone_ita.rst",
            category="Skin tone",
            labels={"dataset": "{dataset}", "protocol": "{protocol}", "figure": "ITA"},
        ),
        ita_pdf=f"{SKIN_FIGURES}/skin_tone_ita.pdf",
        delta_png=report(
            f"{SKIN_FIGURES}/skin_tone_delta_ita.png",
            caption="../docs/captions/skin_tone_delta_ita.rst",
            category="Skin tone",
            labels={
                "dataset": "{dataset}",
                "protocol": "{protocol}",
                "figure": "delta ITA",
            },
        ),
        delta_pdf=f"{SKIN_FIGURES}/skin_tone_delta_ita.pdf",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/skin_tone_summary_{{protocol}}.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        bins=SETTINGS["skin_tone"]["bins"],
        convention=SETTINGS["skin_tone"]["convention"],
        colourised=lambda w: colourised_variants(),
        min_subjects=SETTINGS["skin_tone"]["min_subjects_for_interval"],
        bootstrap=SETTINGS["metrics"]["bootstrap"],
    script:
        "../workflow/scripts/skin_tone_summary.py"


rule differential_performance:
    input:
        scores=lambda w: [
            f"{RESULTS_DIR}/{w.dataset}/scores/{w.protocol}/{w.system}/{s['id']}.parquet"
            for s in scenario_instances()
        ],
        subjects=f"{SKIN_OUT}/subject_groups.csv",
        references=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/references.csv",
        probes=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/probes.csv",
    output:
        rows_csv=f"{SKIN_OUT}/{{system}}/differential.csv",
        summary_csv=f"{SKIN_OUT}/{{system}}/differential_summary.csv",
        md=f"{SKIN_OUT}/{{system}}/differential.md",
        html=report(
            f"{SKIN_OUT}/{{system}}/differential.html",
            caption="../docs/captions/differential.rst",
            category="Skin tone",
            labels={
                "dataset": "{dataset}",
                "protocol": "{protocol}",
                "system": "{system}",
                "table": "differential performance",
            },
        ),
        tex=f"{SKIN_OUT}/{{system}}/differential.tex",
        png=report(
            f"{SKIN_FIGURES}/{{system}}/differential_fnmr.png",
            caption="../docs/captions/differential_figure.rst",
            category="Skin tone",
            labels={
                "dataset": "{dataset}",
                "protocol": "{protocol}",
                "system": "{system}",
                "figure": "FNMR by group",
            },
        ),
        pdf=f"{SKIN_FIGURES}/{{system}}/differential_fnmr.pdf",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/differential_performance_{{protocol}}_{{system}}.log",
    wildcard_constraints:
        system="[A-Za-z0-9_.-]+",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        scenarios=lambda w: [s["id"] for s in scenario_instances()],
        labels=lambda w: {s["id"]: s["label"] for s in scenario_instances()},
        baseline=lambda w: baseline_scenario(scenario_instances()),
        primary_fmr=SETTINGS["metrics"]["primary_fmr"],
        bins=SETTINGS["skin_tone"]["bins"],
        alpha=SETTINGS["skin_tone"]["fairness_alpha"],
        min_subjects=SETTINGS["skin_tone"]["min_subjects_for_interval"],
        bootstrap=SETTINGS["metrics"]["bootstrap"],
    script:
        "../workflow/scripts/differential_performance.py"
