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
        # Built in a temporary folder beside the outputs and moved into place at the end,
        # so that a killed job leaves no figure that looks complete.
        """
        (
            set -e
            rm -rf "$(dirname {output.rulegraph_svg})"/.pipeline_figures.* # left by a killed run
            build=$(mktemp -d "$(dirname {output.rulegraph_svg})/.pipeline_figures.XXXXXXXX")
            trap 'rm -rf "$build"' EXIT
            {params.snakemake} all --snakefile {params.snakefile} --nolock --rulegraph dot \
                {params.configfiles} >"$build/rulegraph.dot"
            dot -Tsvg "$build/rulegraph.dot" >"$build/rulegraph.svg"
            dot -Tpdf "$build/rulegraph.dot" >"$build/rulegraph.pdf"
            dot -Tpng -Gdpi=150 "$build/rulegraph.dot" >"$build/rulegraph.png"
            {params.snakemake} all --snakefile {params.snakefile} --nolock --dag dot \
                {params.configfiles} >"$build/dag.dot"
            dot -Tsvg "$build/dag.dot" >"$build/dag.svg"
            dot -Tpdf "$build/dag.dot" >"$build/dag.pdf"
            {params.python} -m colourfr.reporting.figures "$build/rulegraph.pdf" "$build/dag.pdf"
            mv "$build/rulegraph.svg" {output.rulegraph_svg}
            mv "$build/rulegraph.pdf" {output.rulegraph_pdf}
            mv "$build/rulegraph.png" {output.rulegraph_png}
            mv "$build/dag.svg" {output.dag_svg}
            mv "$build/dag.pdf" {output.dag_pdf}
        ) >{log} 2>&1
        """
