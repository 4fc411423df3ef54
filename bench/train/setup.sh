#!/usr/bin/env bash
# Makes .venv-bench (repo root) with PyTorch for bench/train. torch 2.13.0 (CPU build) is installed from
# the wheel in /opt/wheels when it is there, else from PyPI; its pure-Python dependencies come from PyPI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-bench"
python="${PYTHON:-python3.11}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
wheel="$(ls /opt/wheels/torch-2.13.0*cp311*.whl 2>/dev/null | head -n 1 || true)"
if [ -n "$wheel" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
else
  "$venv/bin/pip" install --quiet --disable-pip-version-check --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
fi
"$venv/bin/python" -c 'import torch; print("torch", torch.__version__, "threads", torch.get_num_threads())'
