# Helpers of rules/quality.smk (included by rules/common.smk). A file of its own so that
# tests/test_quality_workflow.py can run rules/quality.smk with stand-ins for the rest of
# common.smk but these real helpers.
import os

QUALITY_EDC_MAX_DISCARD = 0.2  # pAUC integrates the EDC over [0, 0.2] discarded


def quality_detections(wildcards):
    system = instance("quality", wildcards.estimator)["detector"]
    return f"{RESULTS_DIR}/{wildcards.dataset}/recognition/{system}/{wildcards.variant}/{wildcards.shard}.parquet"


def quality_table(dataset, estimator, variant, shard):
    return f"{RESULTS_DIR}/{dataset}/quality/{estimator}/{variant}/{shard}.csv"


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
        path
        for e in estimators
        for v in variants()
        for s in shards(dataset)
        for path in rule_outputs(
            "quality_score", dataset=dataset, estimator=e, variant=v, shard=s
        )
    ]
    if estimators:
        targets += rule_outputs("quality_statistics", dataset=dataset)
        for e in estimators:
            targets += rule_outputs("quality_cdf", dataset=dataset, estimator=e)
            targets += [
                path
                for protocol in protocols_for(dataset)
                for system in enabled("recognition")
                for path in rule_outputs(
                    "quality_edc",
                    dataset=dataset,
                    protocol=protocol,
                    system=system,
                    estimator=e,
                )
            ]
    return targets
