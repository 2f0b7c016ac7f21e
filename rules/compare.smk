# Comparison scores: one score file per (dataset, protocol, recognition system, scenario).
# Cosine distances computed blockwise from the per-shard embeddings of the scenario's
# reference and probe variants (colourfr.comparison).


rule compare:
    input:
        unpack(scenario_recognition_inputs),
        protocol=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/protocol.json",
        references=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/references.csv",
        probes=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/probes.csv",
        pairs=f"{RESULTS_DIR}/{{dataset}}/protocols/{{protocol}}/pairs.csv",
    output:
        scores=f"{RESULTS_DIR}/{{dataset}}/scores/{{protocol}}/{{system}}/{{scenario}}.parquet",
    log:
        f"{RESULTS_DIR}/logs/{{dataset}}/compare_{{protocol}}_{{system}}_{{scenario}}.log",
    benchmark:
        f"{RESULTS_DIR}/benchmarks/compare/{{dataset}}_{{protocol}}_{{system}}_{{scenario}}.tsv"
    wildcard_constraints:
        system="[A-Za-z0-9_.-]+",
        scenario="[A-Za-z0-9_.-]+",
    conda:
        "../envs/colourfr.yaml"
    threads: 2
    resources:
        # all-vs-all with impostors at 1.3e7 rows peaks at ~1.3 GB
        mem_mb=lambda w: (4000 if scenario_for_id(w.scenario)["impostors"] else 2000),
    params:
        impostors=lambda w: scenario_for_id(w.scenario)["impostors"],
        block_size=1024,
    script:
        "../workflow/scripts/compare.py"
