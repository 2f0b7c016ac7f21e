# Helpers of rules/greyscale.smk (included by rules/common.smk: Snakemake's lint keeps
# functions out of the files that hold rules).


@register_targets
def greyscale_targets(dataset):
    return [
        path
        for shard in shards(dataset)
        for path in rule_outputs("greyscale", dataset=dataset, shard=shard)
    ]
