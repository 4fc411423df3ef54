#!/usr/bin/env bash
# Makes .venv-bench-mlserver (repo root) with MLServer + its LightGBM runtime, pinned in
# bench/serve/requirements-mlserver.txt. Run by hand before bench/serve/mlserver.ts.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-bench-mlserver"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/bench/serve/requirements-mlserver.txt"
"$venv/bin/python" -c 'import mlserver, lightgbm; print("mlserver", mlserver.__version__, "lightgbm", lightgbm.__version__)'
