# Helpers shared by the rule files (validated config, paths, plugin instances, shards).
import os
import sys

import pandas as pd
from snakemake.exceptions import WorkflowError

from colourfr.config import validate_config
from colourfr.errors import ConfigError
from colourfr.scenarios import GREY, ORIGINAL, colourised_variant, expand_scenarios, variants_in_use

try:
    CFG = validate_config(config)
except ConfigError as _error:
    raise WorkflowError(str(_error)) from None

R = CFG["results_dir"]
RES = CFG["resources_dir"]
DATASETS = [name for name, d in CFG["datasets"].items() if d["enabled"]]

# Stages provided by their own rule files (included when present).
OPTIONAL_STAGES = [
    "train",
    "recognition",
    "quality",
    "compare",
    "metrics",
    "colour_fidelity",
]

_TARGET_FUNCTIONS = []


def register_targets(function):
    """Stages add a function dataset -> list of final outputs; `rule all` collects them."""
    _TARGET_FUNCTIONS.append(function)
    return function


def all_targets(wildcards):
    stages = [
        dataset_targets,
        greyscale_targets,
        colourise_targets,
        report_targets,
        *_TARGET_FUNCTIONS,
    ]
    targets = [path for dataset in DATASETS for stage in stages for path in stage(dataset)]
    return targets + [f"{R}/provenance.md"]


def configfile_args():
    """The config files of this run, for the nested `snakemake --rulegraph` of dag_figure."""
    # Only the command-line files: the Snakefile's own configfile is read anyway, and
    # passing it again last would override them.
    files = [str(f) for f in workflow.overwrite_configfiles]
    return ("--configfile " + " ".join(files)) if files else ""


def enabled(family):
    return [name for name, inst in CFG.get(family, {}).items() if inst["enabled"]]


def instance(family, name):
    return CFG[family][name]


def gpu_resources(family, name):
    return 1 if CFG[family][name].get("gpu") else 0


def scenario_instances():
    return [s.as_dict() for s in expand_scenarios(CFG["scenarios"], enabled("colourisers"))]


def variants():
    return variants_in_use(expand_scenarios(CFG["scenarios"], enabled("colourisers")))


def protocols_for(dataset):
    return CFG["datasets"][dataset]["protocols"]


def manifest_path(dataset):
    return f"{R}/{dataset}/manifest.csv"


def shards(dataset):
    """Shard ids of a dataset; evaluated after the manifest checkpoint has run."""
    manifest = checkpoints.manifest.get(dataset=dataset).output.manifest
    return sorted(pd.read_csv(manifest, usecols=["shard"], dtype=str)["shard"].unique())


def variant_index(dataset, variant, shard):
    return f"{R}/{dataset}/variants/{variant}/{shard}.csv"


def variant_indexes(dataset, variant):
    return [variant_index(dataset, variant, s) for s in shards(dataset)]


# Colouriser plugins that need files produced by the workflow itself (trained models,
# downloaded weights) add an input function here: plugin -> (instance name -> list).
COLOURISER_EXTRA_INPUTS = {}


def colouriser_inputs(wildcards):
    plugin = CFG["colourisers"][wildcards.colouriser]["plugin"]
    function = COLOURISER_EXTRA_INPUTS.get(plugin)
    return function(wildcards.colouriser) if function else []



# Final outputs per stage (rule all collects them for every enabled dataset).
def dataset_targets(dataset):
    return [f"{R}/{dataset}/tables/dataset_overview.{ext}" for ext in ("csv", "md")]


def greyscale_targets(dataset):
    return variant_indexes(dataset, GREY)


def colourise_targets(dataset):
    return [
        variant_index(dataset, colourised_variant(c), s)
        for c in enabled("colourisers")
        for s in shards(dataset)
    ]


def recognition_shards(dataset, system, variant, suffix="parquet"):
    return [
        f"{R}/{dataset}/recognition/{system}/{variant}/{s}.{suffix}" for s in shards(dataset)
    ]


def all_variant_indexes(dataset):
    return {v: variant_indexes(dataset, v) for v in variants()}


def report_targets(dataset):
    """Paper figures 1/2 and 5 and the FTA change tables."""
    targets = [
        f"{R}/{dataset}/figures/example_variants.png",
        f"{R}/{dataset}/tables/fta_changes.csv",
    ]
    targets += [
        f"{R}/{dataset}/figures/fta_rescued_{system}_{colouriser}.png"
        for system in enabled("recognition")
        for colouriser in enabled("colourisers")
    ]
    return targets
