"""The plugin's spec: plain data, imported when a colourfr config is validated."""

from __future__ import annotations

from colourfr.registry import PluginSpec

LBP_HISTOGRAM = PluginSpec(
    name="lbp-histogram",
    factory="colourfr_lbp.recogniser:LBPHistogram",
    summary="dlib HOG detector, face box resized to 112x112 grey, uniform LBP(8,1) "
    "histograms on a 7x7 grid (Ahonen et al. 2006); no model files (example plugin)",
    params_schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "grid": {
                "type": "integer",
                "minimum": 1,
                "maximum": 16,
                "default": 7,
                "description": "cells per side of the histogram grid",
            },
            "upsample": {
                "type": "integer",
                "minimum": 0,
                "maximum": 2,
                "default": 1,
                "description": "times dlib's detector upsamples the image",
            },
        },
    },
    # bench/memory of the dlib-resnet detector, which this shares: 49 B/px measured
    bytes_per_pixel=55.0,
)
