"""The plugins' specs: plain data, imported when a colourfr config is validated, so
nothing heavy is imported here."""

from __future__ import annotations

from colourfr.registry import PluginSpec

MEAN_CHROMA = PluginSpec(
    name="mean-chroma",
    factory="colourfr_plugin_example.colouriser:MeanChromaColouriser",
    summary="Mean skin chroma (CIELAB a*, b*) fitted on colour training faces, applied at "
    "the grey image's lightness (example plugin)",
    params_schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "training_list": {
                "type": ["string", "null"],
                "default": None,
                "description": "LFW-style people file (Name<TAB>count) of the training "
                "people; null: colourfr's training_data",
            },
            "images_dir": {
                "type": ["string", "null"],
                "default": None,
                "description": "folder of <Name>/<Name>_NNNN.jpg; null: training_data's",
            },
            "max_images": {"type": "integer", "minimum": 1, "default": 200},
            "palette": {
                "type": ["string", "null"],
                "default": None,
                "description": "a fitted palette.json; null: the workflow fits one",
            },
        },
    },
    path_params=("training_list", "images_dir", "palette"),
    conda_env="colourfr_plugin_example:environment.yaml",
    plan="colourfr_plugin_example.plan:mean_chroma_plan",
    plan_only_params=("training_list", "images_dir", "max_images"),
    trained_on_subjects=True,
)

LAPLACIAN_SHARPNESS = PluginSpec(
    name="laplacian-sharpness",
    factory="colourfr_plugin_example.quality:LaplacianSharpness",
    summary="Variance of the Laplacian of the face box (focus measure), mapped to [0, 1] "
    "(example plugin)",
    params_schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "scale": {
                "type": "number",
                "exclusiveMinimum": 0,
                "default": 100.0,
                "description": "variance at which the score reaches 0.5",
            },
        },
    },
    conda_env="colourfr_plugin_example:environment.yaml",
)
