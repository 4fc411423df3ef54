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
# Every Action ships a lockfile that pins its runtime packages by sha512 (the bootstrap runs `npm ci`
# and refuses to install without one): the same check the bootstrap makes, on every dist.
node --input-type=module -e "
import { readFileSync } from 'node:fs';
import { checkRuntimeLock } from './packages/github/src/runtime.ts';
for (const dist of process.argv.slice(1)) {
  const deps = JSON.parse(readFileSync(dist + '/package.json', 'utf8')).dependencies ?? {};
  checkRuntimeLock(dist, deps);
}" actions/*/dist || { echo "::error::an Action's dist has no valid package-lock.json" >&2; exit 1; }
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
