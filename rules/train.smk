# Training of the self-trained colouriser (plugin trained-unet), and the parameters the
# workflow derives for trained-unet / exemplar-transfer instances.
#
# Subject-disjoint split: training uses only LFW's View-1 training people
# (peopleDevTrain.txt); the LFW dataset config excludes the same list from evaluation
# (datasets.lfw.subjects.exclude_lists), and exemplar-transfer's default exemplar is
# picked from the same people.


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


register_targets(
    lambda dataset: [path for name in TRAINED_BY_WORKFLOW for path in trained_model_files(name)]
)
