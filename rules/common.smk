# Helpers shared by all rule files: validated config, paths, plugin instances, shards.
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
    "report",
]

_TARGET_FUNCTIONS = []


def register_targets(function):
    """Stages add a function dataset -> list of final outputs; `rule all` collects them."""
    _TARGET_FUNCTIONS.append(function)
    return function


def all_targets(wildcards):
    return [path for dataset in DATASETS for fn in _TARGET_FUNCTIONS for path in fn(dataset)]


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


wildcard_constraints:
    dataset="[A-Za-z0-9_.-]+",
    shard="s[0-9]+",
    variant="[a-z0-9-]+",
    colouriser="[A-Za-z0-9_.-]+",
    protocol="[A-Za-z0-9_.-]+",
