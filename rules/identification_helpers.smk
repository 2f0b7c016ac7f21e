# Helpers of rules/identification.smk (included by rules/common.smk: Snakemake's lint keeps
# functions out of the files that hold rules).


def identification_targets(dataset):
    if not SETTINGS["identification"]["enabled"]:
        return []
    return [
        path
        for protocol in protocols_for(dataset)
        if SETTINGS["protocols"][protocol]["kind"] == "reference-per-subject"
        for system in enabled("recognition")
        for path in rule_outputs(
            "identification_metrics", dataset=dataset, protocol=protocol, system=system
        )
    ]


register_targets(identification_targets)
