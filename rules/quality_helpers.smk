# Helpers of rules/quality.smk (included by rules/common.smk). A file of its own so that
# tests/test_quality_workflow.py can run rules/quality.smk with stand-ins for the rest of
# common.smk but these real helpers.
import os
import re

QUALITY_EDC_MAX_DISCARD = 0.2  # pAUC integrates the EDC over [0, 0.2] discarded


def _quality_instances(tensorflow):
    names = []
    for name in enabled("quality"):
        plugin = instance("quality", name)["plugin"]
        if plugin.startswith("faceqnet") == tensorflow:
            names.append(name)
    return names


def _name_pattern(names):
    # A regex matching exactly these instance names (nothing when the list is empty).
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


def quality_detections(wildcards):
    system = instance("quality", wildcards.estimator)["detector"]
    return f"{R}/{wildcards.dataset}/recognition/{system}/{wildcards.variant}/{wildcards.shard}.parquet"


def quality_table(dataset, estimator, variant, shard):
    return f"{R}/{dataset}/quality/{estimator}/{variant}/{shard}.csv"


def quality_tables(dataset, estimator, variant):
    return [quality_table(dataset, estimator, variant, s) for s in shards(dataset)]


def quality_tables_by_estimator(dataset):
    """estimator -> variant -> shard tables (what the aggregate scripts read)."""
    return {
        e: {v: quality_tables(dataset, e, v) for v in variants()} for e in enabled("quality")
    }


def _baseline_scenario():
    return next(s for s in scenario_instances() if s["baseline"])


def score_file(dataset, protocol, system, scenario_id):
    return f"{R}/{dataset}/scores/{protocol}/{system}/{scenario_id}.parquet"


def quality_targets(dataset):
    estimators = enabled("quality")
    targets = [
        quality_table(dataset, e, v, s)
        for e in estimators
        for v in variants()
        for s in shards(dataset)
    ]
    if estimators:
        targets += expand(
            f"{R}/{dataset}/tables/quality_statistics.{{ext}}", ext=["csv", "md", "tex"]
        )
        targets += expand(
            f"{R}/{dataset}/figures/quality_cdf_{{estimator}}.{{ext}}",
            estimator=estimators,
            ext=["png", "pdf"],
        )
        # EDC curves need the score files of the comparison stage.
        if os.path.exists(os.path.join(workflow.basedir, "rules", "compare.smk")):
            targets += expand(
                f"{R}/{dataset}/figures/edc_{{protocol}}_{{system}}_{{estimator}}.png",
                protocol=protocols_for(dataset),
                system=enabled("recognition"),
                estimator=estimators,
            )
    return targets
