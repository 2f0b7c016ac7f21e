# Helpers shared by the rule files (validated config, paths, plugin instances, shards).
import os
import re
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
    return targets + pipeline_figures() + [f"{R}/provenance.md"]


def pipeline_figures():
    """The rule graph and job DAG of this run (rules/dag.smk), for a paper appendix."""
    return [
        f"{R}/figures/pipeline_{graph}.{ext}" for graph in ("rulegraph", "dag") for ext in ("svg", "pdf")
    ] + [f"{R}/figures/pipeline_rulegraph.png"]


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
    return [f"{R}/{dataset}/tables/dataset_overview.{ext}" for ext in ("csv", "md", "tex")]


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


# ---- Self-trained colouriser (rules/train.smk) ----
TRAINED_PLUGIN = "trained-unet"
EXEMPLAR_PLUGIN = "exemplar-transfer"
TRAIN_SPLIT_FILE = "peopleDevTrain.txt"


def _plugin_of(name):
    return CFG["colourisers"][name].get("plugin", name)


def _default_lfw_root():
    """Root of the config's LFW dataset (the one named 'lfw' first), or None."""
    candidates = sorted(
        (n != "lfw", n)
        for n, d in CFG["datasets"].items()
        if d.get("format") == "lfw" and d.get("root")
    )
    return CFG["datasets"][candidates[0][1]]["root"] if candidates else None


def trained_model_dir(name):
    """Where instance `name`'s model lives: params.model_dir, or R/models/<name>."""
    return CFG["colourisers"][name]["params"].get("model_dir") or f"{R}/models/{name}"


# Decided before the params are filled in below (which sets model_dir for every instance).
TRAINED_BY_WORKFLOW = [
    n
    for n in enabled("colourisers")
    if _plugin_of(n) == TRAINED_PLUGIN and not CFG["colourisers"][n]["params"].get("model_dir")
]


def workflow_trains(name):
    return name in TRAINED_BY_WORKFLOW


# Fill the derived params in place: `instance()` hands out these same dicts, so the
# colourise rule's factory call sees model_dir / lfw_root.
for _name in enabled("colourisers"):
    _params = CFG["colourisers"][_name]["params"]
    if _plugin_of(_name) == TRAINED_PLUGIN:
        if workflow_trains(_name) and not _params.get("lfw_root"):
            _params["lfw_root"] = _default_lfw_root()
            if _params["lfw_root"] is None:
                raise WorkflowError(
                    f"colourisers.{_name}.params.lfw_root: not set and the config has no "
                    "LFW dataset with a root to train on"
                )
        _params["model_dir"] = os.path.abspath(trained_model_dir(_name))
    elif _plugin_of(_name) == EXEMPLAR_PLUGIN and not _params.get("exemplar") and not _params.get("lfw_root"):
        _params["lfw_root"] = _default_lfw_root()
        if _params["lfw_root"] is None:
            raise WorkflowError(
                f"colourisers.{_name}.params: set exemplar (a colour image) or lfw_root; the "
                "config has no LFW dataset to pick the default exemplar from"
            )


def trained_model_files(name):
    model_dir = f"{R}/models/{name}"
    return [f"{model_dir}/generator.pth", f"{model_dir}/training.json"]


def _trained_unet_inputs(name):
    return trained_model_files(name) if workflow_trains(name) else []


COLOURISER_EXTRA_INPUTS[TRAINED_PLUGIN] = _trained_unet_inputs


# ---- DeOldify weights (rule fetch_deoldify_weights in rules/colourise.smk) ----

from colourfr.colourisers.assets import ASSETS as _COLOURISER_ASSETS

# plugin name (deoldify-stable, ...) -> its checkpoint in the catalogue
DEOLDIFY_ASSETS = {asset.name: asset for asset in _COLOURISER_ASSETS}
DEOLDIFY_WEIGHTS_DIR = f"{RES}/models/deoldify"


def deoldify_weights_file(name):
    """The weights file instance `name` reads: params.weights, else the shared cache file
    made by rule fetch_deoldify_weights; None for a user-managed params.cache_dir (the
    plugin then resolves the file itself)."""
    settings = instance("colourisers", name)
    params = settings["params"]
    if params.get("weights"):
        return params["weights"]
    if params.get("cache_dir"):
        return None
    return f"{DEOLDIFY_WEIGHTS_DIR}/{DEOLDIFY_ASSETS[settings['plugin']].target_name}"


def _deoldify_inputs(name):
    path = deoldify_weights_file(name)
    return [path] if path else []


for _plugin in DEOLDIFY_ASSETS:
    COLOURISER_EXTRA_INPUTS[_plugin] = _deoldify_inputs


# ---- Recognition (rules/recognition.smk) ----

from colourfr.recognition.assets import PACKS, SCRFD_2_5G_KPS, install_buffalo_l


def _recognition_instances(gpu):
    return [n for n in enabled("recognition") if bool(instance("recognition", n).get("gpu")) == gpu]


def _recognition_pattern(names):
    # A regex matching exactly these instance names (nothing when the list is empty).
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


def recognition_model_files(name):
    """detector/recogniser ONNX paths of an insightface-arcface instance ({} otherwise):
    the configured files, else the pack's files under RES/models (made by the rules
    below)."""
    settings = instance("recognition", name)
    if settings["plugin"] != "insightface-arcface":
        return {}
    params = settings["params"]
    pack = PACKS[params["pack"]]
    return {
        "detector": params["detector"] or f"{RES}/models/{pack.detector}",
        "recogniser": params["recogniser"] or f"{RES}/models/{pack.recogniser}",
    }


def embed_inputs(wildcards):
    return {
        "index": variant_index(wildcards.dataset, wildcards.variant, wildcards.shard),
        **recognition_model_files(wildcards.system),
    }


def _pack_param(pack, key):
    """The first enabled insightface-arcface instance of ``pack`` that sets ``key``."""
    for name in enabled("recognition"):
        settings = instance("recognition", name)
        params = settings["params"]
        if settings["plugin"] == "insightface-arcface" and params.get("pack") == pack:
            if params.get(key):
                return params[key]
    return None


def _mxnet_inputs(wildcards):
    symbol = _pack_param("mobilefacenet-scrfd", "mxnet_symbol")
    weights = _pack_param("mobilefacenet-scrfd", "mxnet_params")
    if not (symbol and weights):
        raise WorkflowError(
            "the mobilefacenet-scrfd pack needs the MXNet MobileFaceNet files: set "
            "recognition.<instance>.params.mxnet_symbol (model-symbol.json) and "
            "params.mxnet_params (model-0000.params), or params.recogniser to an ONNX file"
        )
    return {"symbol": symbol, "params": weights}


# ---- Quality (rules/quality.smk): in quality_helpers.smk, which its tests include alone ----
include: "quality_helpers.smk"


# ---- Colour fidelity (rules/colour_fidelity.smk) ----
def colour_fidelity_tables(wildcards):
    return {
        c: [f"{R}/{wildcards.dataset}/colour_fidelity/{c}/{s}.csv" for s in shards(wildcards.dataset)]
        for c in enabled("colourisers")
    }


def colour_fidelity_targets(dataset):
    if not enabled("colourisers"):
        return []
    return [
        f"{R}/{dataset}/tables/colour_fidelity.{ext}"
        for ext in ("csv", "md", "tex")
    ] + [
        f"{R}/{dataset}/figures/colour_fidelity_ciede2000.{ext}"
        for ext in ("png", "pdf")
    ]
