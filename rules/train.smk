# Training of the self-trained colouriser (plugin trained-unet), and the parameters the
# workflow derives for trained-unet / exemplar-transfer instances.
#
# Subject-disjoint split: training uses only LFW's View-1 training people
# (peopleDevTrain.txt); the LFW dataset config excludes the same list from evaluation
# (datasets.lfw.subjects.exclude_lists), and exemplar-transfer's default exemplar is
# picked from the same people.

import re

TRAINED_PLUGIN = "trained-unet"
EXEMPLAR_PLUGIN = "exemplar-transfer"
TRAIN_SPLIT_FILE = "peopleDevTrain.txt"


def _plugin_of(name):
    return CFG["colourisers"][name].get("plugin", name)


def _default_lfw_root():
    """Root of the config's LFW dataset (the one named 'lfw' first), or None."""
    candidates = sorted(
        (n != "lfw", n)
        for n, d in CFG["datasets"].items()
        if d.get("format") == "lfw" and d.get("root")
    )
    return CFG["datasets"][candidates[0][1]]["root"] if candidates else None


def trained_model_dir(name):
    """Where instance `name`'s model lives: params.model_dir, or R/models/<name>."""
    return CFG["colourisers"][name]["params"].get("model_dir") or f"{R}/models/{name}"


# Decided before the params are filled in below (which sets model_dir for every instance).
TRAINED_BY_WORKFLOW = [
    n
    for n in enabled("colourisers")
    if _plugin_of(n) == TRAINED_PLUGIN and not CFG["colourisers"][n]["params"].get("model_dir")
]


def workflow_trains(name):
    return name in TRAINED_BY_WORKFLOW


# Fill the derived params in place: `instance()` hands out these same dicts, so the
# colourise rule's factory call sees model_dir / lfw_root.
for _name in enabled("colourisers"):
    _params = CFG["colourisers"][_name]["params"]
    if _plugin_of(_name) == TRAINED_PLUGIN:
        if workflow_trains(_name) and not _params.get("lfw_root"):
            _params["lfw_root"] = _default_lfw_root()
            if _params["lfw_root"] is None:
                raise WorkflowError(
                    f"colourisers.{_name}.params.lfw_root: not set and the config has no "
                    "LFW dataset with a root to train on"
                )
        _params["model_dir"] = os.path.abspath(trained_model_dir(_name))
    elif _plugin_of(_name) == EXEMPLAR_PLUGIN and not _params.get("exemplar") and not _params.get("lfw_root"):
        _params["lfw_root"] = _default_lfw_root()
        if _params["lfw_root"] is None:
            raise WorkflowError(
                f"colourisers.{_name}.params: set exemplar (a colour image) or lfw_root; the "
                "config has no LFW dataset to pick the default exemplar from"
            )


def trained_model_files(name):
    model_dir = f"{R}/models/{name}"
    return [f"{model_dir}/generator.pth", f"{model_dir}/training.json"]


def _trained_unet_inputs(name):
    return trained_model_files(name) if workflow_trains(name) else []


COLOURISER_EXTRA_INPUTS[TRAINED_PLUGIN] = _trained_unet_inputs


rule train_colouriser:
    input:
        split=lambda w: os.path.join(instance("colourisers", w.colouriser)["params"]["lfw_root"], TRAIN_SPLIT_FILE),
    output:
        checkpoint=f"{R}/models/{{colouriser}}/generator.pth",
        config=f"{R}/models/{{colouriser}}/training.json",
        subjects=f"{R}/models/{{colouriser}}/training_subjects.txt",
    params:
        instance=lambda w: instance("colourisers", w.colouriser),
    log:
        f"{R}/logs/models/train_{{colouriser}}.log",
    wildcard_constraints:
        colouriser="|".join(map(re.escape, TRAINED_BY_WORKFLOW)) or "(?!)",
    threads: lambda w: instance("colourisers", w.colouriser)["threads"]
    resources:
        mem_mb=lambda w: max(instance("colourisers", w.colouriser)["mem_mb"], 6000),
        gpu=lambda w: gpu_resources("colourisers", w.colouriser),
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/train_colouriser.py"


@register_targets
def trained_model_targets(dataset):
    return [path for name in TRAINED_BY_WORKFLOW for path in trained_model_files(name)]
