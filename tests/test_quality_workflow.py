"""rules/quality.smk end to end on four LFW images, with stand-ins for the helpers of
rules/common.smk and for the recognition and comparison stages' outputs (YuNet
detections written with colourfr.recognition.records, synthetic score files)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

cv2 = pytest.importorskip("cv2")

from colourfr.images import rec709_luma, write_png
from colourfr.recognition.base import FaceRecord
from colourfr.recognition.records import records_to_frame

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LFW = SHARED / "data" / "lfw" / "images_deepfunneled"
YUNET = SHARED / "models" / "yunet" / "yunet_s_640_640.onnx"
LIGHTQNET = SHARED / "models" / "lightqnet" / "lightqnet-dm050.pb"
PEOPLE = ["Aaron_Eckhart", "Aaron_Guiel", "Aaron_Patterson", "Aaron_Peirsol"]

SNAKEFILE = """
RESULTS_DIR = "res"; RESOURCES_DIR = "resources"
def _q(plugin, params):
    return {{"plugin": plugin, "enabled": True, "threads": 1, "mem_mb": 1000, "gpu": False,
             "batch_size": 3, "params": params, "detector": "arc"}}
SETTINGS = {{"allow_downloads": False, "protocols": {{"paper": {{}}}}, "metrics": {{"primary_fmr": 0.1}},
       "quality": {{"lq": _q("lightqnet", {{"variant": "dm050", "model_path": "{lightqnet}"}}),
                   "iso": _q("iso29794-5", {{}})}},
       "recognition": {{"arc": {{"enabled": True}}}}}}
def enabled(f): return [n for n, i in SETTINGS[f].items() if i["enabled"]]
def instance(f, n): return SETTINGS[f][n]
def gpu_resources(f, n): return 0
def plugin_of(f, n): return SETTINGS[f][n]["plugin"]
def job_params(f, n): return SETTINGS[f][n]["params"]
def plugin_inputs(f, n): return {{}}
def conda_env(f, n): return "{envs}/colourfr.yaml"
def _name_pattern(names): return "|".join(names) if names else "(?!x)x"
def score_file(d, p, s, i): return f"{{RESULTS_DIR}}/{{d}}/scores/{{p}}/{{s}}/{{i}}.parquet"
def variants(): return ["original", "grey"]
def shards(d): return ["s0001"]
def variant_index(d, v, s): return f"{{RESULTS_DIR}}/{{d}}/variants/{{v}}/{{s}}.csv"
_T = []
def register_targets(f): _T.append(f); return f
def scenario_instances():
    return [{{"id": "s1", "reference": "original", "probe": "original", "baseline": True}},
            {{"id": "s2", "reference": "original", "probe": "grey", "baseline": False}}]
def _baseline_scenario(): return scenario_instances()[0]
def protocols_for(d): return ["paper"]
IMAGE_BUDGET_MB = 8000
def plugin_mem_mb(f, w): return lambda wildcards: 1000
def table_outputs(stem, prefix="", **entry): return {{prefix + e: f"{{stem}}.{{e}}" for e in ("csv", "md", "html", "tex")}}
def rule_outputs(name, **w):
    return [p for pattern in getattr(rules, name).output for p in expand(str(pattern), **w)]
include: "{helpers}"
include: "{rules}"
rule all:
    input: [p for f in _T for p in f("lfw")] + ["res/lfw/figures/edc_paper_arc_lq.png", "res/lfw/figures/edc_paper_arc_iso.png"]
"""


def make_inputs(root: Path) -> None:
    detector = cv2.FaceDetectorYN.create(str(YUNET), "", (250, 250))
    ids = [f"{p}_0001" for p in PEOPLE]
    for variant in ("original", "grey"):
        (root / f"res/lfw/variants/{variant}/s0001").mkdir(parents=True)
        (root / f"res/lfw/recognition/arc/{variant}").mkdir(parents=True)
        rows, records = [], []
        for person, image_id in zip(PEOPLE, ids):
            path = LFW / person / f"{image_id}.jpg"
            bgr = cv2.imread(str(path))
            if variant == "grey":
                path = root / f"res/lfw/variants/grey/s0001/{image_id}.png"
                write_png(path, rec709_luma(np.ascontiguousarray(bgr[:, :, ::-1])))
            rows.append({"image_id": image_id, "path": str(path), "status": "ok", "detail": ""})
            _, found = detector.detect(bgr)
            x, y, w, h = (float(v) for v in found[0][:4])
            records.append(
                FaceRecord(
                    image_id,
                    n_faces=1,
                    chosen_face=0,
                    selection_rule="largest",
                    det_score=float(found[0][14]),
                    bbox=(x, y, x + w, y + h),
                    landmarks=found[0][4:14].reshape(5, 2).astype(float),
                )
            )
        if variant == "grey":
            records[1] = FaceRecord(ids[1], failure="no_face")
        rows.append({"image_id": "Gone_0001", "path": "", "status": "unreadable", "detail": "x"})
        pd.DataFrame(rows).to_csv(root / f"res/lfw/variants/{variant}/s0001.csv", index=False)
        records_to_frame(records).to_parquet(
            root / f"res/lfw/recognition/arc/{variant}/s0001.parquet"
        )
    (root / "res/lfw/scores/paper/arc").mkdir(parents=True)
    pairs = [(a, b) for a in ids for b in ids]
    for scenario in ("s1", "s2"):
        pd.DataFrame(
            {
                "reference": [a for a, _ in pairs],
                "probe": [b for _, b in pairs],
                "genuine": [a == b for a, b in pairs],
                "score": [
                    0.3 + 0.1 * i if a == b else 1.0 + 0.01 * i for i, (a, b) in enumerate(pairs)
                ],
                "failure": [None] * len(pairs),
            }
        ).to_parquet(root / f"res/lfw/scores/paper/arc/{scenario}.parquet")


@pytest.mark.skipif(
    not (LFW.is_dir() and YUNET.is_file() and LIGHTQNET.is_file()),
    reason="../shared LFW, YuNet or LightQNet not available",
)
def test_quality_rules_end_to_end(snakemake, tmp_path):
    make_inputs(tmp_path)
    (tmp_path / "Snakefile").write_text(
        textwrap.dedent(SNAKEFILE).format(
            lightqnet=LIGHTQNET,
            helpers=ROOT / "rules" / "quality_helpers.smk",
            envs=ROOT / "envs",
            rules=ROOT / "rules" / "quality.smk",
        )
    )
    snakemake.run("-q", cwd=tmp_path, timeout=600)
    lq_grey = pd.read_csv(tmp_path / "res/lfw/quality/lq/grey/s0001.csv", keep_default_na=False)
    assert lq_grey["failure"].tolist() == ["", "no_face", "", "", "unreadable"]
    provenance = json.loads((tmp_path / "res/lfw/quality/lq/grey/s0001.json").read_text())
    assert provenance["instance"] == "lq" and provenance["variant"] == "dm050"
    stats = pd.read_csv(tmp_path / "res/lfw/tables/quality_statistics.csv")
    grey_colour = stats[(stats["estimator"] == "iso:natural_colour") & (stats["variant"] == "grey")]
    # Greyscale faces: natural colour 100, as OFIQ (no coloured pixel).
    assert grey_colour["mean"].item() == 100.0 and grey_colour["n_failed"].item() == 2
    assert (stats.loc[stats["estimator"] == "lq", "max"] < 1).all()
    for name in (
        "tables/quality_statistics.md",
        "tables/quality_statistics.tex",
        "figures/quality_cdf_lq.pdf",
        "figures/quality_cdf_iso.png",
        "figures/edc_paper_arc_lq.pdf",
        "tables/edc_paper_arc_iso.csv",
    ):
        assert (tmp_path / "res/lfw" / name).stat().st_size > 0, name
    edc = pd.read_csv(tmp_path / "res/lfw/tables/edc_paper_arc_lq.csv")
    # Baseline threshold at FMR 0.1 from the 12 impostor scores 1.01..1.14: k = 1 -> s_2.
    assert edc["threshold"].iloc[0] == pytest.approx(1.02)
    assert set(edc["scenario"]) == {"s1", "s2"}
