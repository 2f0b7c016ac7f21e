# Helpers of rules/skin_tone.smk (included by rules/common.smk: Snakemake's lint keeps
# functions out of the files that hold rules).


def skin_tone_system():
    """The recognition instance whose detections in the original images place the region."""
    return SETTINGS["skin_tone"]["system"]


def skin_tone_inputs(wildcards):
    return {
        "records": f"{RESULTS_DIR}/{wildcards.dataset}/recognition/{skin_tone_system()}/original/"
        f"{wildcards.shard}.parquet",
        "indexes": [
            variant_index(wildcards.dataset, v, wildcards.shard) for v in variants()
        ],
    }


def colourised_variants():
    """colouriser -> its variant name."""
    return {c: f"colourised-{c}" for c in enabled("colourisers")}


def skin_tone_protocols(dataset):
    if not SETTINGS["skin_tone"]["enabled"] or skin_tone_skipped(SETTINGS):
        return []
    return [
        p
        for p in protocols_for(dataset)
        if SETTINGS["protocols"][p]["kind"] == "reference-per-subject"
    ]


def skin_tone_targets(dataset):
    return [
        path
        for protocol in skin_tone_protocols(dataset)
        for path in rule_outputs(
            "skin_tone_summary", dataset=dataset, protocol=protocol
        )
        + [
            p
            for system in enabled("recognition")
            for p in rule_outputs(
                "differential_performance",
                dataset=dataset,
                protocol=protocol,
                system=system,
            )
        ]
    ]


register_targets(skin_tone_targets)
