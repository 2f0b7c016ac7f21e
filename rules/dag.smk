# The pipeline figure for a paper appendix: rule graph as SVG, PDF and PNG, job DAG as SVG
# and PDF (vector only: at full scale the job DAG has thousands of nodes).
# Renders the DAG of the current config (the Snakefile is re-read without locking).


rule dag_figure:
    input:
        # The manifests resolve the checkpoint, so the figure shows every job.
        manifests=[manifest_path(d) for d in DATASETS],
    output:
        rulegraph_svg=report(
            f"{R}/figures/pipeline_rulegraph.svg",
            caption="../docs/captions/pipeline.rst",
            category="Pipeline",
        ),
        rulegraph_pdf=f"{R}/figures/pipeline_rulegraph.pdf",
        rulegraph_png=f"{R}/figures/pipeline_rulegraph.png",
        dag_svg=f"{R}/figures/pipeline_dag.svg",
        dag_pdf=f"{R}/figures/pipeline_dag.pdf",
    log:
        f"{R}/logs/dag_figure.log",
    conda:
        "../envs/colourfr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        # A fixed hash seed: Snakemake writes the graph's edges in set order.
        snakemake=f"PYTHONHASHSEED=0 {sys.executable} -m snakemake",
        python=sys.executable,
        snakefile=workflow.main_snakefile,
        configfiles=configfile_args(),
    shell:
        """
        (
            {params.snakemake} all --snakefile {params.snakefile} --nolock --rulegraph dot \
                {params.configfiles} >{output.rulegraph_svg}.dot
            dot -Tsvg {output.rulegraph_svg}.dot >{output.rulegraph_svg}
            dot -Tpdf {output.rulegraph_svg}.dot >{output.rulegraph_pdf}
            dot -Tpng -Gdpi=150 {output.rulegraph_svg}.dot >{output.rulegraph_png}
            {params.snakemake} all --snakefile {params.snakefile} --nolock --dag dot \
                {params.configfiles} >{output.dag_svg}.dot
            dot -Tsvg {output.dag_svg}.dot >{output.dag_svg}
            dot -Tpdf {output.dag_svg}.dot >{output.dag_pdf}
            {params.python} -m colourfr.reporting.figures {output.rulegraph_pdf} {output.dag_pdf}
            rm -f {output.rulegraph_svg}.dot {output.dag_svg}.dot
        ) >{log} 2>&1
        """
