#!/usr/bin/env bash
# Makes .venv-bench with the pinned Evidently used by bench/drift/run.ts (separate from .venv-interop).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv-bench/bin/python ]; then
  python3 -m venv .venv-bench
fi
.venv-bench/bin/pip install --quiet --disable-pip-version-check -r bench/drift/requirements.txt
.venv-bench/bin/python -c 'import evidently; print("evidently", evidently.__version__)'
