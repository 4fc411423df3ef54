#!/usr/bin/env bash
# Rebuilds every Action's dist/ from src/ and fails when the result differs from what is committed:
# GitHub runs the committed bundle, so a stale one would ship code nobody reviewed.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
pids=()
for yml in actions/*/action.yml; do
  node actions/build.mjs "$(dirname "$yml")" &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid" || { echo "::error::an Action failed to build" >&2; status=1; }
done
[ "$status" -eq 0 ] || exit "$status"
changed=$(git status --porcelain --untracked-files=all -- ':(glob)actions/*/dist/**' | grep -v '/dist/node_modules/' || true)
if [ -n "$changed" ]; then
  echo "::error::actions/*/dist differs from a fresh build; run 'bash scripts/check-actions-dist.sh' and commit the result:" >&2
  echo "$changed" >&2
  git --no-pager diff --stat -- ':(glob)actions/*/dist/**' >&2 || true
  status=1
else
  echo "actions dist: up to date ($(ls -d actions/*/dist | wc -l) actions)"
fi
exit $status
