#!/usr/bin/env bash
# Run by Snakemake after creating envs/recognition-gpu.yaml: swap the CPU onnxruntime
# wheel (pulled in by insightface) for onnxruntime-gpu, which provides the same module
# plus CUDAExecutionProvider. The version and hashes are the GPU lock's
# (requirements/onnxruntime-gpu.txt, written by `make lock` from requirements/lock-gpu.txt).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python -m pip uninstall -y onnxruntime
python -m pip install --no-deps --require-hashes -r "$here/../requirements/onnxruntime-gpu.txt"
python -c "import onnxruntime; print('onnxruntime providers:', onnxruntime.get_available_providers())"
