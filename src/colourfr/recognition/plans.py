"""Workflow plan of insightface-arcface: which ONNX files its jobs read, and how the
workflow gets them (see colourfr.plugin_plan). Light at import.

- ``params.detector`` / ``params.recogniser`` set: used as they are;
- pack ``buffalo_l``: both from the InsightFace pack, installed from ``params.pack_dir``
  (a folder or the zip) or downloaded (sha256-checked) into ``<resources_dir>/models``;
- pack ``mobilefacenet-scrfd`` (the offline stand-in): the SCRFD-2.5G-kps detector
  downloaded (sha256-checked), and the MXNet MobileFaceNet (``params.mxnet_symbol`` and
  ``params.mxnet_params``) converted to ONNX by the project's importer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from colourfr.errors import ConfigError
from colourfr.plugin_plan import BUILD, DOWNLOAD, Artifact, PlanContext, WorkflowPlan
from colourfr.recognition.assets import PACKS, SCRFD_2_5G_KPS


def insightface_plan(context: PlanContext) -> WorkflowPlan:
    params = dict(context.params)
    pack = PACKS[params["pack"]]
    models = os.path.join(context.resources_dir, "models")
    detector, recogniser = params.get("detector"), params.get("recogniser")
    artifacts: list[Artifact] = []
    if pack.name == "buffalo_l" and not (detector and recogniser):
        outputs = {
            "detector": os.path.join(models, pack.detector),
            "recogniser": os.path.join(models, pack.recogniser),
        }
        artifacts.append(
            Artifact(
                name="fetch_buffalo_l",
                kind=DOWNLOAD,
                function="colourfr.recognition.plans:fetch_buffalo_l",
                outputs=outputs,
                params={
                    "local_source": params.get("pack_dir"),
                    "cache_dir": os.path.join(context.resources_dir, "downloads"),
                },
                summary="InsightFace buffalo_l (det_10g + w600k_r50), sha256-checked",
                mem_mb=2000,
            )
        )
        detector = detector or outputs["detector"]
        recogniser = recogniser or outputs["recogniser"]
    if pack.name == "mobilefacenet-scrfd":
        if not detector:
            detector = os.path.join(models, SCRFD_2_5G_KPS.target_name)
            artifacts.append(
                Artifact(
                    name="fetch_scrfd_2_5g_kps",
                    kind=DOWNLOAD,
                    function="colourfr.recognition.plans:fetch_scrfd",
                    outputs={"detector": detector},
                    summary="SCRFD-2.5G with keypoints, sha256-checked",
                )
            )
        if not recogniser:
            symbol, weights = params.get("mxnet_symbol"), params.get("mxnet_params")
            if not (symbol and weights):
                raise ConfigError(
                    f"{context.where('params')}: the mobilefacenet-scrfd pack needs the MXNet "
                    "MobileFaceNet files: set mxnet_symbol (model-symbol.json) and "
                    "mxnet_params (model-0000.params), or recogniser to an ONNX file"
                )
            recogniser = os.path.join(models, pack.recogniser)
            artifacts.append(
                Artifact(
                    name="import_mobilefacenet",
                    kind=BUILD,
                    function="colourfr.recognition.plans:import_mobilefacenet",
                    inputs={"symbol": str(symbol), "params": str(weights)},
                    outputs={"onnx": recogniser},
                    summary="MXNet MobileFaceNet -> ONNX (colourfr models import-mxnet)",
                    mem_mb=4000,
                    runtime_min=30,
                )
            )
    params.update(detector=str(detector), recogniser=str(recogniser))
    for key in ("pack_dir", "mxnet_symbol", "mxnet_params"):
        params.pop(key, None)
    allow = bool(context.params.get("allow_download", True))
    return WorkflowPlan(
        context.plugin,
        params,
        {"detector": str(detector), "recogniser": str(recogniser)},
        tuple(artifacts),
        allow_download=allow,
    )


def fetch_buffalo_l(
    outputs: Mapping[str, str], params: Mapping[str, Any], allow_download: bool
) -> None:
    from colourfr.recognition.assets import install_buffalo_l

    install_buffalo_l(
        Path(outputs["detector"]).parent,
        local_source=params.get("local_source"),
        cache_dir=params.get("cache_dir"),
        allow_download=allow_download,
    )


def fetch_scrfd(
    outputs: Mapping[str, str], params: Mapping[str, Any], allow_download: bool
) -> None:
    from colourfr.assets import resolve_asset

    resolve_asset(SCRFD_2_5G_KPS, None, Path(outputs["detector"]).parent, allow_download)


def import_mobilefacenet(
    inputs: Mapping[str, str],
    outputs: Mapping[str, str],
    params: Mapping[str, Any],
    threads: int,
    gpu: bool,
) -> None:
    from colourfr.recognition.mxnet_import import import_mxnet_model

    import_mxnet_model(inputs["symbol"], inputs["params"], outputs["onnx"])
