# The pipeline figure for a paper appendix: rule graph as SVG, PDF and PNG, job DAG as SVG
# and PDF (vector only: at full scale the job DAG has thousands of nodes).
# Renders the DAG of this run's effective config (every --configfile and --config; the
# Snakefile is re-read without locking).


rule dag_figure:
    input:
        # The manifests resolve the checkpoint, so the figure shows every job.
        manifests=[manifest_path(d) for d in DATASETS],
    output:
        rulegraph_svg=report(
            f"{RESULTS_DIR}/figures/pipeline_rulegraph.svg",
            caption="../docs/captions/pipeline.rst",
            category="Pipeline",
        ),
        rulegraph_pdf=f"{RESULTS_DIR}/figures/pipeline_rulegraph.pdf",
        rulegraph_png=f"{RESULTS_DIR}/figures/pipeline_rulegraph.png",
        dag_svg=f"{RESULTS_DIR}/figures/pipeline_dag.svg",
        dag_pdf=f"{RESULTS_DIR}/figures/pipeline_dag.pdf",
    log:
        f"{RESULTS_DIR}/logs/dag_figure.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        snakefile=workflow.main_snakefile,
    script:
        "../workflow/scripts/dag_figure.py"
