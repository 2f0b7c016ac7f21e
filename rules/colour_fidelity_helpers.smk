# Helpers of rules/colour_fidelity.smk (included by rules/common.smk: Snakemake's lint keeps
# functions out of the files that hold rules).


def colour_fidelity_tables(wildcards):
    return {
        c: [
            f"{RESULTS_DIR}/{wildcards.dataset}/colour_fidelity/{c}/{s}.csv"
            for s in shards(wildcards.dataset)
        ]
        for c in enabled("colourisers")
    }


def colour_fidelity_targets(dataset):
    if not enabled("colourisers"):
        return []
    return rule_outputs("colour_fidelity_summary", dataset=dataset) + [
        path
        for c in enabled("colourisers")
        for s in shards(dataset)
        for path in rule_outputs(
            "colour_fidelity_shard", dataset=dataset, colouriser=c, shard=s
        )
    ]


register_targets(colour_fidelity_targets)
