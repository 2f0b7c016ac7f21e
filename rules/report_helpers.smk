# Helpers of rules/report.smk (included by rules/common.smk).


def run_benchmark_files(wildcards):
    """The benchmark files of this run's jobs: those of the rules that make its targets and
    artifacts, for the wildcards of each. A file left by a job of another configuration
    (a shard that no longer exists) is not among them."""
    produced = [t for t in all_targets(wildcards) if "/benchmarks/" not in t]
    produced += [
        path for artifact in ARTIFACTS.values() for path in artifact.outputs.values()
    ]
    files = set()
    for producer in workflow.rules:
        if producer.benchmark is None:
            continue
        for path in produced:
            if producer.is_producer(path):
                wildcards_of = producer.get_wildcards(path)
                files.add(str(producer.benchmark.apply_wildcards(wildcards_of)))
    return sorted(files)
