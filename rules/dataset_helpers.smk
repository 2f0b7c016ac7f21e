# Helpers of rules/datasets.smk (included by rules/common.smk): the files a dataset's
# manifest and protocols read, as inputs of those rules.
from colourfr.datasets.download import dataset_root, downloaded_by_workflow
from colourfr.datasets.fingerprint import dataset_fingerprint
from colourfr.protocol import protocol_files


def protocol_inputs(dataset, protocol):
    """The files the protocol reads (colourfr.protocol.protocol_files); a dataset the
    workflow downloads has them only after the fetch, which the manifest depends on."""
    settings = SETTINGS["datasets"][dataset]
    root = (
        None
        if downloaded_by_workflow(settings)
        else dataset_root(settings, dataset, RESOURCES_DIR)
    )
    return protocol_files(SETTINGS["protocols"][protocol], root)


def manifest_files(dataset):
    """Every file the manifest job reads besides the images: the subject lists, the files
    the dataset's options name (an image list), and its protocols' files (the job checks
    that each protocol can be built). As inputs, an edit of any of them reruns it."""
    settings = SETTINGS["datasets"][dataset]
    spec = registry_for("datasets").get(settings["format"])
    options = settings.get("options", {})
    files = list(settings["subjects"]["exclude_lists"])
    files += [options[key] for key in spec.path_params if options.get(key)]
    for protocol in protocols_for(dataset):
        files += protocol_inputs(dataset, protocol)
    return sorted(set(files))


@register_targets
def dataset_targets(dataset):
    return rule_outputs("dataset_overview", dataset=dataset) + [
        path
        for shard in shards(dataset)
        for path in rule_outputs("original_index", dataset=dataset, shard=shard)
    ]


def listing_fingerprint_of(dataset):
    settings = SETTINGS["datasets"][dataset]
    spec = registry_for("datasets").get(settings["format"])
    return dataset_fingerprint(
        settings, dataset_root(settings, dataset, RESOURCES_DIR), spec.path_params
    )


def _reference_settings(protocol):
    return SETTINGS["protocols"][protocol].get("reference", {})


def reference_quality_tables(dataset, protocol):
    """For reference selection by quality: that estimator's tables of the originals."""
    estimator = _reference_settings(protocol).get("quality")
    if _reference_settings(protocol).get("rule") != "best" or not estimator:
        return []
    return [
        f"{RESULTS_DIR}/{dataset}/quality/{estimator}/{ORIGINAL}/{s}.csv"
        for s in shards(dataset)
    ]


def reference_detection_shards(dataset, protocol):
    """For reference selection by pose: that system's detections of the originals."""
    system = _reference_settings(protocol).get("pose")
    if _reference_settings(protocol).get("rule") != "best" or not system:
        return []
    return recognition_shards(dataset, system, ORIGINAL)
