# Helpers of rules/colourise.smk (included by rules/common.smk: Snakemake's lint keeps
# functions out of the files that hold rules).


@register_targets
def colourise_targets(dataset):
    return [
        path
        for c in enabled("colourisers")
        for s in shards(dataset)
        for path in rule_outputs("colourise", dataset=dataset, colouriser=c, shard=s)
    ]
