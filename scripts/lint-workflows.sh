#!/usr/bin/env bash
# actionlint over this repository's workflows (and the reusable ones users call).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv-interop/bin
"$bin/actionlint" -color=never .github/workflows/*.yml
echo "actionlint: ok"
