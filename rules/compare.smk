# Comparison scores: one score file per (dataset, protocol, recognition system, scenario).
# Cosine distances computed blockwise from the per-shard embeddings of the scenario's
# reference and probe variants (colourfr.comparison).


def scenario_by_id(scenario_id):
    for scenario in scenario_instances():
        if scenario["id"] == scenario_id:
            return scenario
    raise WorkflowError(
        f"unknown scenario {scenario_id!r}; configured: "
        + ", ".join(s["id"] for s in scenario_instances())
    )


def recognition_outputs(dataset, system, variant, suffix):
    """Per-shard recognition outputs (records .parquet or embeddings .npy) of a variant."""
    return [
        f"{R}/{dataset}/recognition/{system}/{variant}/{shard}.{suffix}"
        for shard in shards(dataset)
    ]


def _side_outputs(side, suffix):
    def inputs(wildcards):
        variant = scenario_by_id(wildcards.scenario)[side]
        return recognition_outputs(wildcards.dataset, wildcards.system, variant, suffix)

    return inputs


def score_file(dataset, protocol, system, scenario_id):
    return f"{R}/{dataset}/scores/{protocol}/{system}/{scenario_id}.parquet"


rule compare:
    input:
        protocol=f"{R}/{{dataset}}/protocols/{{protocol}}/protocol.json",
        references=f"{R}/{{dataset}}/protocols/{{protocol}}/references.csv",
        probes=f"{R}/{{dataset}}/protocols/{{protocol}}/probes.csv",
        pairs=f"{R}/{{dataset}}/protocols/{{protocol}}/pairs.csv",
        reference_records=_side_outputs("reference", "parquet"),
        reference_embeddings=_side_outputs("reference", "npy"),
        probe_records=_side_outputs("probe", "parquet"),
        probe_embeddings=_side_outputs("probe", "npy"),
    output:
        scores=f"{R}/{{dataset}}/scores/{{protocol}}/{{system}}/{{scenario}}.parquet",
    params:
        impostors=lambda w: scenario_by_id(w.scenario)["impostors"],
        block_size=1024,
    log:
        f"{R}/logs/{{dataset}}/compare_{{protocol}}_{{system}}_{{scenario}}.log",
    wildcard_constraints:
        system="[A-Za-z0-9_.-]+",
        scenario="[A-Za-z0-9_.-]+",
    threads: 2
    resources:
        # all-vs-all with impostors holds ~10^7 rows (ids are categorical codes)
        mem_mb=lambda w: 8000 if scenario_by_id(w.scenario)["impostors"] else 2000,
    conda:
        "../envs/colourfr.yaml"
    script:
        "../workflow/scripts/compare.py"
