#!/usr/bin/env bash
# Run by Snakemake after creating envs/recognition-gpu.yaml: swap the CPU onnxruntime
# wheel (pulled in by insightface) for onnxruntime-gpu, which provides the same module
# plus CUDAExecutionProvider.
set -euo pipefail
python -m pip uninstall -y onnxruntime
python -m pip install "onnxruntime-gpu>=1.17"
python -c "import onnxruntime; print('onnxruntime providers:', onnxruntime.get_available_providers())"
