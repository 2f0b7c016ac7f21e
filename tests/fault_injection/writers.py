"""Every output writer of colourfr, driven the same way: write version N, read it back.

Used by tests/test_interrupted_writes.py, in-process and in a subprocess that
sitecustomize.py kills just before the output is committed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: writer name -> file name of its output (its suffix chooses the format).
OUTPUTS: dict[str, str] = {
    "text": "provenance.json",
    "csv": "table.csv",
    "manifest": "manifest.csv",
    "variant_index": "shard-000.csv",
    "quality_table": "quality.csv",
    "table_markdown": "table3.md",
    "scores_csv": "scores.csv",
    "scores_parquet": "scores.parquet",
    "recognition_shard": "shard-000.parquet",
    "figure": "figure.png",
    "image_folder": "shard-000",
}


def _frame(version: int) -> pd.DataFrame:
    return pd.DataFrame({"image_id": [f"s/{i}" for i in range(version)], "value": range(version)})


def write(kind: str, path: Path, version: int) -> None:
    """Write output ``kind`` at ``path`` whose content encodes ``version`` (>= 1)."""
    if kind == "text":
        from colourfr.io.atomic import write_json

        write_json(path, {"version": version})
    elif kind == "csv":
        from colourfr.io.csv import write_csv

        write_csv(_frame(version), path)
    elif kind == "manifest":
        from colourfr.io.manifest import MANIFEST_COLUMNS, write_manifest

        row = dict.fromkeys(MANIFEST_COLUMNS, "")
        rows = [{**row, "image_id": f"s/{i}", "width": 1, "height": 1} for i in range(version)]
        write_manifest(pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS)), path)
    elif kind == "variant_index":
        from colourfr.io.variant_index import write_index

        rows = [(f"s/{i}", f"s/{i}.png", "ok", "") for i in range(version)]
        write_index(pd.DataFrame(rows, columns=["image_id", "path", "status", "detail"]), path)
    elif kind == "quality_table":
        from colourfr.io.quality_shard import write_quality_table

        rows = [(f"s/{i}", 0.5, "") for i in range(version)]
        write_quality_table(pd.DataFrame(rows, columns=["image_id", "score", "failure"]), path)
    elif kind == "table_markdown":
        from colourfr.io.tables import write_table

        write_table(_frame(version), md=path, title="Table")
    elif kind in ("scores_csv", "scores_parquet"):
        from colourfr.scores import write_scores

        frame = pd.DataFrame(
            {
                "reference": [f"r{i}" for i in range(version)],
                "probe": [f"p{i}" for i in range(version)],
                "genuine": [True] * version,
                "score": np.linspace(0.1, 0.9, version),
                "failure": [None] * version,
            }
        )
        write_scores(frame, path)
    elif kind == "recognition_shard":
        from colourfr.recognition.base import FaceRecord
        from colourfr.recognition.records import write_shard

        records = [FaceRecord(image_id=f"s/{i}", n_faces=1, chosen_face=0) for i in range(version)]
        write_shard(path, records, np.ones((version, 4), dtype=np.float32))
    elif kind == "figure":
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from colourfr.io.figures import save_figure

        figure, _axes = plt.subplots(figsize=(1 + version, 1))
        save_figure(figure, path, dpi=20)
        plt.close(figure)
    elif kind == "image_folder":
        from colourfr.images import write_png
        from colourfr.io.atomic import atomic_directory

        with atomic_directory(path) as building:
            for i in range(version):
                write_png(building / f"{i}.png", np.full((2, 2), i, dtype=np.uint8))
    else:
        raise KeyError(kind)


def read(kind: str, path: Path) -> object:
    """What output ``kind`` at ``path`` holds, through the reader the workflow uses:
    equal for two writes of one version, different for different versions."""
    if kind == "text":
        import json

        return int(json.loads(path.read_text())["version"])
    if kind == "csv":
        from colourfr.io.csv import read_csv

        return len(read_csv(path))
    if kind == "manifest":
        from colourfr.io.manifest import read_manifest

        return len(read_manifest(path))
    if kind == "variant_index":
        from colourfr.io.variant_index import read_index

        return len(read_index(path))
    if kind == "quality_table":
        from colourfr.io.quality_shard import read_quality_table

        return len(read_quality_table(path))
    if kind == "table_markdown":
        return path.read_text().count("| s/")
    if kind in ("scores_csv", "scores_parquet"):
        from colourfr.scores import read_scores

        return len(read_scores(path))
    if kind == "recognition_shard":
        from colourfr.recognition.records import read_shard

        return len(read_shard(path)[0])
    if kind == "figure":
        from PIL import Image

        with Image.open(path) as image:
            return image.size
    if kind == "image_folder":
        return len(list(path.glob("*.png")))
    raise KeyError(kind)
