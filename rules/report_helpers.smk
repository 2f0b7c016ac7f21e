# Helpers of rules/report.smk (included by rules/common.smk).
from snakemake.io import strip_wildcard_constraints


def benchmark_selection(wildcards):
    """What makes a benchmark file one of this run's jobs (read by the benchmark_table
    script once every job has run): the benchmark patterns of the rules, and the wildcard
    values this configuration uses: a dataset it evaluates, a shard its manifest has, an
    enabled system, colouriser or estimator, a variant or scenario in use. A file left by a
    job of another configuration (a shard that no longer exists, a colouriser switched
    off) matches a pattern but not these values."""
    return {
        # The patterns without wildcard constraints: {dataset}, not {dataset,[a-z]+}.
        "patterns": sorted(
            strip_wildcard_constraints(str(r.benchmark))
            for r in workflow.rules
            if r.benchmark is not None
        ),
        "values": {
            "dataset": sorted(DATASETS),
            "protocol": sorted({p for d in DATASETS for p in protocols_for(d)}),
            "system": sorted(enabled("recognition")),
            "colouriser": sorted(enabled("colourisers")),
            "estimator": sorted(enabled("quality")),
            "variant": sorted(variants()),
            "scenario": sorted(s["id"] for s in scenario_instances()),
        },
        "shards": {dataset: shards(dataset) for dataset in DATASETS},
    }


def report_targets(dataset):
    """Paper figures 1/2 and 5 and the FTA change tables."""
    targets = rule_outputs("example_variants", dataset=dataset)
    targets += rule_outputs("fta_changes_table", dataset=dataset)
    targets += [
        path
        for system in enabled("recognition")
        for colouriser in enabled("colourisers")
        for path in rule_outputs(
            "fta_rescued", dataset=dataset, system=system, colouriser=colouriser
        )
    ]
    return targets


register_targets(report_targets)
