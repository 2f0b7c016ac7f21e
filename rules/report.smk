# Paper figures that show images (Fig. 1/2: variants of sample subjects; Fig. 5: greyscale
# failures-to-acquire that colourisation rescued), FTA change tables, and provenance.


register_targets(report_targets)


rule example_variants:
    input:
        unpack(lambda w: all_variant_indexes(w.dataset)),
        references=lambda w: f"{R}/{w.dataset}/protocols/{protocols_for(w.dataset)[0]}/references.csv",
    output:
        png=report(
            f"{R}/{{dataset}}/figures/example_variants.png",
            caption="../docs/captions/example_variants.rst",
            category="Figures",
            labels={"dataset": "{dataset}", "figure": "Fig. 1/2: image variants"},
        ),
        pdf=f"{R}/{{dataset}}/figures/example_variants.pdf",
    log:
        f"{R}/logs/{{dataset}}/example_variants.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        variants=variants(),
        sample_subjects=CFG["report"]["sample_subjects"],
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
        changes=f"{R}/{{dataset}}/tables/fta_changes_{{system}}_{{colouriser}}.csv",
        png=report(
            f"{R}/{{dataset}}/figures/fta_rescued_{{system}}_{{colouriser}}.png",
            caption="../docs/captions/fta_rescued.rst",
            category="Figures",
            labels={
                "dataset": "{dataset}",
                "system": "{system}",
                "colouriser": "{colouriser}",
                "figure": "Fig. 5: FTA rescued",
            },
        ),
        pdf=f"{R}/{{dataset}}/figures/fta_rescued_{{system}}_{{colouriser}}.pdf",
    log:
        f"{R}/logs/{{dataset}}/fta_rescued_{{system}}_{{colouriser}}.log",
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
            f"{R}/{w.dataset}/tables/fta_changes_{s}_{c}.csv"
            for s in enabled("recognition")
            for c in enabled("colourisers")
        ],
    output:
        csv=f"{R}/{{dataset}}/tables/fta_changes.csv",
        md=f"{R}/{{dataset}}/tables/fta_changes.md",
        html=report(
            f"{R}/{{dataset}}/tables/fta_changes.html",
            caption="../docs/captions/fta_changes.rst",
            category="Tables",
            labels={"dataset": "{dataset}", "table": "FTA changes by colourisation"},
        ),
        tex=f"{R}/{{dataset}}/tables/fta_changes.tex",
    log:
        f"{R}/logs/{{dataset}}/fta_changes_table.log",
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
        md=f"{R}/provenance.md",
        html=report(
            f"{R}/provenance.html",
            caption="../docs/captions/provenance.rst",
            category="Provenance",
        ),
    log:
        f"{R}/logs/provenance.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        config=CFG,
        model_dirs=[f"{RES}/models", f"{R}/models"],
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
        effects=f"{R}/effects/effects.csv",
    output:
        summary=f"{R}/summary.md",
        html=report(
            f"{R}/summary.html",
            caption="../docs/captions/summary.rst",
            category="Summary",
        ),
    log:
        f"{R}/logs/summary.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        entries=summary_entries(),
        primary_fmr=CFG["metrics"]["primary_fmr"],
        labels=lambda w: {s["id"]: s["label"] for s in scenario_instances()},
    script:
        "../workflow/scripts/summary.py"


# The performance record: time and peak memory per rule over its jobs. Its inputs are every
# other target, so it runs last and sees every job's benchmark file.
rule benchmark_table:
    input:
        lambda w: [t for t in all_targets(w) if "/benchmarks/" not in t],
    output:
        csv=f"{R}/benchmarks/rules.csv",
        md=f"{R}/benchmarks/rules.md",
        html=report(
            f"{R}/benchmarks/rules.html",
            caption="../docs/captions/benchmarks.rst",
            category="Performance record",
        ),
    log:
        f"{R}/logs/benchmark_table.log",
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
