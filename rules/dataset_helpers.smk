# Helpers of rules/datasets.smk (included by rules/common.smk): the files a dataset's
# manifest and protocols read, as inputs of those rules.
from colourfr.datasets.download import downloaded_by_workflow
from colourfr.protocol import protocol_files


def protocol_inputs(dataset, protocol):
    """The files the protocol reads (colourfr.protocol.protocol_files); a dataset the
    workflow downloads has them only after the fetch, which the manifest depends on."""
    settings = CFG["datasets"][dataset]
    root = (
        None
        if downloaded_by_workflow(settings)
        else dataset_root(settings, dataset, RES)
    )
    return protocol_files(CFG["protocols"][protocol], root)


def manifest_files(dataset):
    """Every file the manifest job reads besides the images: the subject lists, the files
    the dataset's options name (an image list), and its protocols' files (the job checks
    that each protocol can be built). As inputs, an edit of any of them reruns it."""
    settings = CFG["datasets"][dataset]
    spec = registry_for("datasets").get(settings["format"])
    options = settings.get("options", {})
    files = list(settings["subjects"]["exclude_lists"])
    files += [options[key] for key in spec.path_params if options.get(key)]
    for protocol in protocols_for(dataset):
        files += protocol_inputs(dataset, protocol)
    return sorted(set(files))
