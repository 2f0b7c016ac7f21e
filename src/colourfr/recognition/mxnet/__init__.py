"""Convert InsightFace's legacy MXNet models (symbol JSON + ``.params``) to ONNX, no MXNet."""
