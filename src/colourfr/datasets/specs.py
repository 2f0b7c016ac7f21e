"""Specs of the built-in dataset formats (entry points ``colourfr.datasets``).

A reader is ``read_<format>(root, **options) -> pandas.DataFrame`` with the columns of
:data:`colourfr.datasets.manifest.RAW_COLUMNS`.
"""

from __future__ import annotations

from colourfr.registry import PluginSpec, params_schema_of

FERET_PARAMS = params_schema_of(
    {
        "poses": {
            "type": ["array", "null"],
            "items": {
                "enum": [
                    "fa",
                    "fb",
                    "fc",
                    "hl",
                    "hr",
                    "pl",
                    "pr",
                    "ql",
                    "qr",
                    "ra",
                    "rb",
                    "rc",
                    "rd",
                    "re",
                ]
            },
            "uniqueItems": True,
            "minItems": 1,
            "default": ["fa", "fb"],
        },
        "metadata": {"enum": ["auto", "xml", "name_value", "filenames"], "default": "auto"},
        "partitions": {
            "type": ["array", "null"],
            "items": {"enum": ["fa", "fb", "dup1", "dup2"]},
            "uniqueItems": True,
            "minItems": 1,
            "default": None,
        },
        "missing_images": {"enum": ["error", "skip"], "default": "error"},
        # created by the reader, so not a path that must exist at config time
        "decompress_dir": {"type": ["string", "null"], "default": None},
    }
)
FRGC_PARAMS = params_schema_of(
    {
        "experiment": {"enum": ["2.0.1", "2.0.2", "2.0.4"], "default": "2.0.4"},
        "sets": {
            "type": "array",
            "items": {"enum": ["target", "query", "training"]},
            "uniqueItems": True,
            "minItems": 1,
            "default": ["target", "query"],
        },
        "signature_sets": {
            "type": ["array", "null"],
            "items": {"type": "string"},
            "minItems": 1,
            "default": None,
        },
        "controlled_only": {"type": "boolean", "default": False},
        "metadata": {"enum": ["auto", "require", "ignore"], "default": "auto"},
        "missing_images": {"enum": ["error", "skip"], "default": "error"},
    }
)

LFW = PluginSpec(
    name="lfw",
    factory="colourfr.datasets.lfw:read_lfw",
    summary="Labeled Faces in the Wild: root/<images_dir>/<Name>/<Name>_NNNN.jpg",
    params_schema=params_schema_of(
        {
            "images_dir": {
                "type": "string",
                "default": "images_deepfunneled",
                "description": "folder below root holding <Name>/<Name>_NNNN.jpg; "
                "with `download: true`, `images_deepfunneled` or `images_funneled` "
                "selects the archive",
            },
        }
    ),
)

FOLDER = PluginSpec(
    name="folder",
    factory="colourfr.datasets.folder:read_folder",
    summary="Generic layout root/<subject>/<image>; image id = <subject>/<file stem>",
    params_schema=params_schema_of(
        {
            "extensions": {
                "type": "array",
                "items": {"type": "string", "pattern": "^\\.[A-Za-z0-9]+$"},
                "default": [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".tif", ".tiff"],
                "description": "image file extensions to list (case-insensitive); other "
                "files are ignored, a subject folder without any is recorded as "
                "`no_images` in manifest_issues.csv",
            },
        }
    ),
)

CSV = PluginSpec(
    name="csv",
    factory="colourfr.datasets.csv_list:read_csv_list",
    summary="A user CSV with columns image_id, subject_id, path (+ optional session, "
    "capture_date, pose, expression); relative paths are relative to root",
    params_schema={
        "type": "object",
        "additionalProperties": False,
        "required": ["image_list"],
        "properties": {
            "image_list": {"type": "string", "description": "the CSV file"},
        },
    },
    path_params=("image_list",),
)

FERET = PluginSpec(
    name="feret",
    factory="colourfr.datasets.feret:read_feret",
    summary="Colour FERET (NIST) in its distributed DVD layout",
    params_schema=FERET_PARAMS,
)

FRGC = PluginSpec(
    name="frgc",
    factory="colourfr.datasets.frgc:read_frgc",
    summary="FRGC v2.0 (Notre Dame) in its distributed layout with BEE signature sets",
    params_schema=FRGC_PARAMS,
)
