# Helpers shared by the rule files (the validated config, paths, shards, and the plugin
# plans). No plugin is named here: what a plugin's jobs need (environment, input files,
# parameters, artifacts) comes from its spec and plan (colourfr.plugin_plan).
import functools
import os
import re
import sys

import pandas as pd
from snakemake.exceptions import WorkflowError

from colourfr.config import config_warnings, skin_tone_skipped, validate_config
from colourfr.errors import ConfigError
from colourfr.jobs import PLUGIN_INPUT_PREFIX
from colourfr.memory import STEP_BYTES_PER_PIXEL, job_mem_mb
from colourfr.plugin_plan import collect_artifacts, conda_env_file, plan_all
from colourfr.registry import registry_for
from colourfr.scenarios import (
    GREY,
    ORIGINAL,
    colourised_variant,
    expand_scenarios,
    variants_in_use,
)

try:
    SETTINGS = validate_config(config)
    PLANS = plan_all(SETTINGS)
    ARTIFACTS, ARTIFACT_DOWNLOAD_ALLOWED = collect_artifacts(PLANS)
except ConfigError as _error:
    raise WorkflowError(str(_error)) from None
for _warning in config_warnings(SETTINGS):
    print(f"colourfr: warning: {_warning}", file=sys.stderr)

# SETTINGS: the config validated and with every default filled in (Snakemake's `config`
# is what the user gave). RESULTS_DIR and RESOURCES_DIR: where outputs and downloads go.
RESULTS_DIR = SETTINGS["results_dir"]
RESOURCES_DIR = SETTINGS["resources_dir"]
IMAGE_BUDGET_MB = SETTINGS["memory"]["image_budget_mb"]
DATASETS = [name for name, d in SETTINGS["datasets"].items() if d["enabled"]]

_TARGET_FUNCTIONS = []


def register_targets(function):
    """Stages add a function dataset -> list of final outputs; `rule all` collects them."""
    _TARGET_FUNCTIONS.append(function)
    return function


def table_outputs(stem, prefix="", **report_entry):
    """The four files of one table (``stem`` + .csv/.md/.html/.tex, under the output
    names ``{prefix}csv`` ...), the HTML one in the Snakemake report with ``report_entry``
    (caption, category, labels) as report() takes them."""
    return {
        f"{prefix}csv": f"{stem}.csv",
        f"{prefix}md": f"{stem}.md",
        f"{prefix}html": report(f"{stem}.html", **report_entry),
        f"{prefix}tex": f"{stem}.tex",
    }


def rule_outputs(rule_name, **wildcards):
    """Every output of one job of a rule. Target lists name them all: Snakemake reruns a
    job for a missing output only when a consumer or a target requests that file, so an
    output nobody requests (a figure, a report page) would stay missing after a crash.
    """
    return [
        path
        for pattern in getattr(rules, rule_name).output
        for path in expand(str(pattern), **wildcards)
    ]


def all_targets(wildcards):
    targets = [
        path
        for dataset in DATASETS
        for stage in _TARGET_FUNCTIONS
        for path in stage(dataset)
    ]
    return (
        targets
        + pipeline_figures()
        + rule_outputs("provenance")
        + rule_outputs("effects")
        + rule_outputs("summary")
        + rule_outputs("benchmark_table")
    )


def pipeline_figures():
    """The rule graph and job DAG of this run (rules/dag.smk), for a paper appendix."""
    return rule_outputs("dag_figure")


def _name_pattern(names):
    # A regex matching exactly these names (nothing when the list is empty).
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


# ---- plugin instances ----


def enabled(family):
    return [name for name, inst in SETTINGS.get(family, {}).items() if inst["enabled"]]


def instance(family, name):
    return SETTINGS[family][name]


def gpu_resources(family, name):
    return 1 if SETTINGS[family][name].get("gpu") else 0


def plugin_of(family, name):
    return PLANS[(family, name)].plugin


def job_params(family, name):
    """What the plugin's factory gets: the rule's only other param besides `plugin`, so
    that a change of threads, mem_mb or batch size reruns nothing."""
    return dict(PLANS[(family, name)].params)


def plugin_inputs(family, name):
    """The files the plugin's jobs read (weights, converted or trained models), as named
    job inputs (prefixed, so that they never clash with a rule's own inputs)."""
    return {
        PLUGIN_INPUT_PREFIX + key: path
        for key, path in PLANS[(family, name)].inputs.items()
    }


def conda_env(family, name):
    spec = registry_for(family).get(plugin_of(family, name))
    return conda_env_file(
        spec.environment(gpu=bool(instance(family, name).get("gpu"))), workflow.basedir
    )


def trained_on_subjects(family, name):
    return registry_for(family).get(plugin_of(family, name)).trained_on_subjects


# ---- scenarios and variants ----


def scenario_instances():
    return [
        s.as_dict()
        for s in expand_scenarios(SETTINGS["scenarios"], enabled("colourisers"))
    ]


def variants():
    return variants_in_use(
        expand_scenarios(SETTINGS["scenarios"], enabled("colourisers"))
    )


def protocols_for(dataset):
    return SETTINGS["datasets"][dataset]["protocols"]


def manifest_path(dataset):
    return f"{RESULTS_DIR}/{dataset}/manifest.csv"


def shards(dataset):
    """Shard ids of a dataset; evaluated after the manifest checkpoint has run."""
    manifest = checkpoints.manifest.get(dataset=dataset).output.manifest
    return sorted(pd.read_csv(manifest, usecols=["shard"], dtype=str)["shard"].unique())


# ---- memory: each per-image job asks for its shard's largest image (colourfr.memory) ----


@functools.lru_cache(maxsize=None)
def _largest_pixels(manifest, modified, max_side):
    """shard -> pixels of its largest readable image (at the working resolution)."""
    from colourfr.io.manifest import read_manifest
    from colourfr.working_copy import target_size

    table = read_manifest(manifest)
    table = table[table["status"] == "ok"]
    largest = {}
    for shard, width, height in zip(table["shard"], table["width"], table["height"]):
        if max_side:
            width, height = target_size(width, height, max_side)
        largest[shard] = max(largest.get(shard, 0), width * height)
    return largest


def largest_pixels(dataset, shard):
    manifest = manifest_path(dataset)
    if not os.path.exists(manifest):  # a dry run before the checkpoint
        return 0
    max_side = SETTINGS["datasets"][dataset]["working_resolution"]["max_side"]
    return _largest_pixels(manifest, os.path.getmtime(manifest), max_side).get(shard, 0)


def image_mem_mb(fixed_mb, bytes_per_pixel):
    """A resources callable: fixed_mb plus what the shard's largest image needs."""

    def mem_mb(wildcards):
        fixed = fixed_mb(wildcards) if callable(fixed_mb) else fixed_mb
        per_pixel = (
            bytes_per_pixel(wildcards) if callable(bytes_per_pixel) else bytes_per_pixel
        )
        largest = largest_pixels(wildcards.dataset, wildcards.shard)
        return job_mem_mb(fixed, per_pixel, largest, IMAGE_BUDGET_MB)

    return mem_mb


def plugin_mem_mb(family, wildcard):
    """mem_mb of a plugin's per-shard job: the instance's mem_mb plus its images."""
    return image_mem_mb(
        lambda w: instance(family, getattr(w, wildcard))["mem_mb"],
        lambda w: registry_for(family)
        .get(plugin_of(family, getattr(w, wildcard)))
        .bytes_per_pixel,
    )


def variant_index(dataset, variant, shard):
    return f"{RESULTS_DIR}/{dataset}/variants/{variant}/{shard}.csv"


def variant_indexes(dataset, variant):
    return [variant_index(dataset, variant, s) for s in shards(dataset)]


def recognition_shards(dataset, system, variant, suffix="parquet"):
    return [
        f"{RESULTS_DIR}/{dataset}/recognition/{system}/{variant}/{s}.{suffix}"
        for s in shards(dataset)
    ]


def all_variant_indexes(dataset):
    return {v: variant_indexes(dataset, v) for v in variants()}


def score_file(dataset, protocol, system, scenario_id):
    return f"{RESULTS_DIR}/{dataset}/scores/{protocol}/{system}/{scenario_id}.parquet"


def _baseline_scenario():
    return next(s for s in scenario_instances() if s["baseline"])


# ---- Each stage's helpers and final outputs, next to its rules (rules/<stage>.smk) ------
include: "dataset_helpers.smk"
include: "greyscale_helpers.smk"
include: "colourise_helpers.smk"
include: "colour_fidelity_helpers.smk"
include: "identification_helpers.smk"
include: "skin_tone_helpers.smk"
# ---- Quality (rules/quality.smk): in quality_helpers.smk, which its tests include alone ----
include: "quality_helpers.smk"
# ---- The performance record (rules/report.smk), in report_helpers.smk --------------------
include: "report_helpers.smk"
# ---- Effects (rules/metrics.smk), in metrics_helpers.smk -------------------------------
include: "metrics_helpers.smk"


def summary_entries():
    """Per (dataset, protocol, system): the metrics files results/summary.md reads."""
    return [
        {
            "dataset": dataset,
            "protocol": protocol,
            "system": system,
            "performance": f"{RESULTS_DIR}/{dataset}/metrics/{protocol}/{system}/performance.csv",
            "paired_tests": f"{RESULTS_DIR}/{dataset}/metrics/{protocol}/{system}/mcnemar.csv",
        }
        for dataset in DATASETS
        for protocol in protocols_for(dataset)
        for system in enabled("recognition")
    ]


def finished_targets():
    """The run's targets that exist (for a report of what finished after a failure)."""
    try:
        return [t for t in all_targets(None) if os.path.exists(t)]
    except Exception:  # e.g. the manifest checkpoint never ran
        return []


def configfile_args():
    """The --configfile arguments of this run, to repeat in a suggested command."""
    files = [str(f) for f in workflow.overwrite_configfiles]
    return ("--configfile " + " ".join(files)) if files else ""


def scenario_recognition_inputs(wildcards):
    """The recognition shards (records and embeddings) of a scenario's reference and
    probe variants, as named inputs (for the identify rule)."""
    scenario = scenario_for_id(wildcards.scenario)
    files = {}
    for side in ("reference", "probe"):
        for suffix, kind in (("parquet", "records"), ("npy", "embeddings")):
            files[f"{side}_{kind}"] = [
                f"{RESULTS_DIR}/{wildcards.dataset}/recognition/{wildcards.system}/"
                f"{scenario[side]}/{shard}.{suffix}"
                for shard in shards(wildcards.dataset)
            ]
    return files


def scenario_for_id(scenario_id):
    return next(s for s in scenario_instances() if s["id"] == scenario_id)
