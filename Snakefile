# colourfr: does generative colourisation help face recognition?
# Run:  snakemake --cores all --resources gpu=1          (see README.md)
from snakemake.utils import min_version, validate

min_version("8.20")


configfile: "config/config.yaml"


validate(config, "config/schema/config.schema.yaml")


include: "rules/common.smk"
include: "rules/datasets.smk"
include: "rules/greyscale.smk"
include: "rules/colourise.smk"
include: "rules/dag.smk"


for _stage in OPTIONAL_STAGES:
    if os.path.exists(os.path.join(workflow.basedir, "rules", f"{_stage}.smk")):

        include: f"rules/{_stage}.smk"


rule all:
    input:
        all_targets,
    default_target: True
