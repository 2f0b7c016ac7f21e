# Paper figures that show images (Fig. 1/2: variants of sample subjects; Fig. 5: greyscale
# failures-to-acquire that colourisation rescued), FTA change tables, and provenance.


rule example_variants:
    input:
        unpack(lambda w: all_variant_indexes(w.dataset)),
        references=lambda w: f"{RESULTS_DIR}/{w.dataset}/protocols/{protocols_for(w.dataset)[0]}/references.csv",
    output:
        png=report(
            f"{RESULTS_DIR}/{{dataset}}/figures/example_variants.png",
            caption="../docs/captions/example_variants.rst",
            category="Figures",
            labels={"dataset": "{dataset}", "figure": "Fig. 1/2: image variants"},
        ),
        pdf=f"{RESULTS_DIR}/{{dataset}}/figures/example_variants.pdf",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/example_variants.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        variants=variants(),
        sample_subjects=SETTINGS["report"]["sample_subjects"],
    script:
        "../workflow/scripts/example_variants.py"


rule fta_rescued:
    input:
        grey_index=lambda w: variant_indexes(w.dataset, GREY),
        colour_index=lambda w: variant_indexes(
            w.dataset, colourised_variant(w.colouriser)
        ),
        grey_records=lambda w: recognition_shards(w.dataset, w.system, GREY),
        colour_records=lambda w: recognition_shards(
            w.dataset, w.system, colourised_variant(w.colouriser)
        ),
    output:
        changes=f"{RESULTS_DIR}/{{dataset}}/tables/fta_changes_{{system}}_{{colouriser}}.csv",
        png=report(
            f"{RESULTS_DIR}/{{dataset}}/figures/fta_rescued_{{system}}_{{colouriser}}.png",
            caption="../docs/captions/fta_rescued.rst",
            category="Figures",
            labels={
                "dataset": "{dataset}",
                "system": "{system}",
                "colouriser": "{colouriser}",
                "figure": "Fig. 5: FTA rescued",
            },
        ),
        pdf=f"{RESULTS_DIR}/{{dataset}}/figures/fta_rescued_{{system}}_{{colouriser}}.pdf",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/fta_rescued_{{system}}_{{colouriser}}.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../workflow/scripts/fta_rescued.py"


rule fta_changes_table:
    input:
        changes=lambda w: [
            f"{RESULTS_DIR}/{w.dataset}/tables/fta_changes_{s}_{c}.csv"
            for s in enabled("recognition")
            for c in enabled("colourisers")
        ],
    output:
        **table_outputs(
            f"{RESULTS_DIR}/{{dataset}}/tables/fta_changes",
            caption="../docs/captions/fta_changes.rst",
            category="Tables",
            labels={"dataset": "{dataset}", "table": "FTA changes by colourisation"},
        ),
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/fta_changes_table.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        pairs=[(s, c) for s in enabled("recognition") for c in enabled("colourisers")],
    script:
        "../workflow/scripts/fta_changes_table.py"


rule provenance:
    input:
        # After everything else, so that every model file exists and is listed.
        # (not the performance record, which comes after everything, provenance included)
        done=lambda w: [
            t
            for t in all_targets(w)
            if t not in rule_outputs("provenance") and "/benchmarks/" not in t
        ],
    output:
        md=f"{RESULTS_DIR}/provenance.md",
        html=report(
            f"{RESULTS_DIR}/provenance.html",
            caption="../docs/captions/provenance.rst",
            category="Provenance",
        ),
    log:
        f"{RESULTS_DIR}/logs/provenance.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        config=SETTINGS,
        model_dirs=[f"{RESOURCES_DIR}/models", f"{RESULTS_DIR}/models"],
        repository=workflow.basedir,
    script:
        "../workflow/scripts/provenance.py"


# One page of what came out (results/summary.md); its headline is printed at the end of
# a successful run (Snakefile, onsuccess).
rule summary:
    input:
        tables=[
            e[key]
            for e in summary_entries()
            for key in ("performance", "paired_tests")
        ],
        effects=f"{RESULTS_DIR}/effects/effects.csv",
    output:
        summary=f"{RESULTS_DIR}/summary.md",
        html=report(
            f"{RESULTS_DIR}/summary.html",
            caption="../docs/captions/summary.rst",
            category="Summary",
        ),
    log:
        f"{RESULTS_DIR}/logs/summary.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        entries=summary_entries(),
        primary_fmr=SETTINGS["metrics"]["primary_fmr"],
        labels=lambda w: {s["id"]: s["label"] for s in scenario_instances()},
    script:
        "../workflow/scripts/summary.py"


# The performance record: time and peak memory per rule over its jobs. Its inputs are every
# other target, so it runs last and sees every job's benchmark file.
rule benchmark_table:
    input:
        lambda w: [t for t in all_targets(w) if "/benchmarks/" not in t],
    output:
        csv=f"{RESULTS_DIR}/benchmarks/rules.csv",
        md=f"{RESULTS_DIR}/benchmarks/rules.md",
        html=report(
            f"{RESULTS_DIR}/benchmarks/rules.html",
            caption="../docs/captions/benchmarks.rst",
            category="Performance record",
        ),
    log:
        f"{RESULTS_DIR}/logs/benchmark_table.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        # Not inputs: Snakemake writes them after each job; the script finds this run's.
        selection=benchmark_selection,
    script:
        "../workflow/scripts/benchmark_table.py"
