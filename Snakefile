# colourfr: does generative colourisation help face recognition?
# Run:  snakemake --cores all --resources gpu=1          (see README.md)
from snakemake.utils import min_version

min_version("8.20")


configfile: "config/config.yaml"


# The default run's datasets, unless a config file of the user's (or --config) names
# datasets: then it runs only those (config/datasets.yaml says so).
if "datasets" not in workflow.config_settings.overwrite_config:

    configfile: "config/datasets.yaml"


# No snakemake.utils.validate here: colourfr.config.validate_config (rules/common.smk)
# checks the same schema and reports every problem at once, then the semantic checks.


include: "rules/common.smk"


wildcard_constraints:
    dataset="[A-Za-z0-9_.-]+",
    shard="s[0-9]+",
    variant="[a-z0-9-]+",
    colouriser="[A-Za-z0-9_.-]+",
    protocol="[A-Za-z0-9_.-]+",


include: "rules/datasets.smk"
include: "rules/artifacts.smk"
include: "rules/greyscale.smk"
include: "rules/colourise.smk"
include: "rules/recognition.smk"
include: "rules/quality.smk"
include: "rules/compare.smk"
include: "rules/metrics.smk"
include: "rules/identification.smk"
include: "rules/skin_tone.smk"
include: "rules/colour_fidelity.smk"
include: "rules/report.smk"
include: "rules/dag.smk"


rule all:
    default_target: True
    input:
        all_targets,


onstart:
    # One run per results folder, from any checkout (colourfr.run_lock).
    from colourfr.errors import ColourfrError
    from colourfr.run_lock import acquire_results_lock

    try:
        acquire_results_lock(RESULTS_DIR, workflow.basedir)
    except ColourfrError as _error:
        raise WorkflowError(str(_error)) from None


onsuccess:
    from colourfr.reporting.summary import headline_of

    if os.path.exists(f"{RESULTS_DIR}/summary.md"):
        with open(f"{RESULTS_DIR}/summary.md") as handle:
            print(
                "\ncolourfr: results in",
                RESULTS_DIR,
                "(summary.md; report: snakemake --report report.html)",
            )
            for line in headline_of(handle.read()):
                print(f"  {line}")


onerror:
    from colourfr.reporting.failures import failure_report, partial_report_hint

    print(f"\n{failure_report(log)}", file=sys.stderr)
    print(
        partial_report_hint(finished_targets(), configfile_args()), file=sys.stderr
    )
