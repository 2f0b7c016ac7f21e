# colourfr: does generative colourisation help face recognition?
# Run:  snakemake --cores all --resources gpu=1          (see README.md)
from snakemake.utils import min_version

min_version("8.20")


configfile: "config/config.yaml"


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
include: "rules/greyscale.smk"
include: "rules/colourise.smk"
include: "rules/dag.smk"
include: "rules/report.smk"


for _stage in OPTIONAL_STAGES:
    if os.path.exists(os.path.join(workflow.basedir, "rules", f"{_stage}.smk")):

        include: f"rules/{_stage}.smk"


rule all:
    input:
        all_targets,
    default_target: True
