#!/usr/bin/env bash
# Creates .venv-interop with the pinned Python tools the interop tests run against (real dvc, MLflow,
# moto's S3 server, tritonclient, huggingface_hub, scipy/scikit-learn oracles, workflow linters).
# Re-running is cheap: it reinstalls only when scripts/interop-requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-interop
req=scripts/interop-requirements.txt
stamp="$venv/.requirements.sha256"
# Areas may add their own pinned files as scripts/interop-requirements-<area>.txt.
extra=$(ls scripts/interop-requirements-*.txt 2>/dev/null || true)
want=$(cat "$req" $extra | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "interop venv up to date ($venv)"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" $(for f in $extra; do printf -- '-r %s ' "$f"; done)
echo "$want" > "$stamp"
echo "interop venv ready ($venv)"
