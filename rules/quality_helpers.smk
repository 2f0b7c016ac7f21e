# Helpers of rules/quality.smk (included by rules/common.smk). A file of its own so that
# tests/test_quality_workflow.py can run rules/quality.smk with stand-ins for the rest of
# common.smk but these real helpers.
import os

QUALITY_EDC_MAX_DISCARD = 0.2  # pAUC integrates the EDC over [0, 0.2] discarded


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
        e: {v: quality_tables(dataset, e, v) for v in variants()}
        for e in enabled("quality")
    }


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
        targets += expand(
            f"{R}/{dataset}/figures/edc_{{protocol}}_{{system}}_{{estimator}}.png",
            protocol=protocols_for(dataset),
            system=enabled("recognition"),
            estimator=estimators,
        )
    return targets
