#!/usr/bin/env bash
# Makes .venv-bench-trees (repo root) with the peers of bench/trees: scikit-learn's HistGradientBoosting
# and LightGBM, pinned in bench/trees/requirements.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-bench-trees"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/bench/trees/requirements.txt"
"$venv/bin/python" -c 'import sklearn, lightgbm; print("scikit-learn", sklearn.__version__, "lightgbm", lightgbm.__version__)'
