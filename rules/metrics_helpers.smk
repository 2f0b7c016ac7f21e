# Helpers of the effects rule (rules/metrics.smk), included by rules/common.smk.
from colourfr.scenarios import effect_comparisons


def effect_jobs():
    """Every (dataset, protocol, system, colouriser, comparison) the effects table holds,
    with the score files of its control, treatment and baseline."""
    instances = expand_scenarios(SETTINGS["scenarios"], enabled("colourisers"))
    baseline = baseline_scenario(scenario_instances())
    jobs = []
    for dataset in DATASETS:
        for protocol in protocols_for(dataset):
            for system in enabled("recognition"):
                folder = f"{RESULTS_DIR}/{dataset}/scores/{protocol}/{system}"
                for comparison in effect_comparisons(instances):
                    jobs.append(
                        {
                            "dataset": dataset,
                            "protocol": protocol,
                            "system": system,
                            **comparison,
                            "control_file": f"{folder}/{comparison['control']}.parquet",
                            "treatment_file": f"{folder}/{comparison['treatment']}.parquet",
                            "baseline_file": f"{folder}/{baseline}.parquet",
                        }
                    )
    return jobs


def effect_score_files():
    files = {
        job[key]
        for job in effect_jobs()
        for key in ("control_file", "treatment_file", "baseline_file")
    }
    return sorted(files)
