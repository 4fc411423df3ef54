#!/usr/bin/env bash
# `pnpm release` (changesets/action's publish step in .github/workflows/release.yml). In CI it first pins
# what the release runs, by commit, in two local commits on top of the checked-out one ($GITHUB_SHA):
#   1. the reusable workflows call the Actions of $GITHUB_SHA (whose dist/ CI has just checked);
#   2. `slipway init` (packages/cli/src/release-ref.ts) and docs/actions.md call the workflows of commit 1.
# Then it builds and publishes from commit 2; `changeset publish` tags it and changesets/action pushes the
# tags, so every published version names commits that exist. Nothing refers to a tag that can move.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${GITHUB_SHA:-}" ]; then
  bot=(-c user.name='github-actions[bot]' -c user.email='41898282+github-actions[bot]@users.noreply.github.com')
  node scripts/pin-release.ts actions "$GITHUB_SHA"
  git "${bot[@]}" commit --quiet --allow-empty -am "release: the reusable workflows call the Actions of $GITHUB_SHA"
  workflows=$(git rev-parse HEAD)
  node scripts/pin-release.ts workflows "$workflows"
  git "${bot[@]}" commit --quiet --allow-empty -am "release: slipway init and the docs call the workflows of $workflows"
fi
pnpm exec turbo run build
pnpm exec changeset publish
