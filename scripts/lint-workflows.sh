#!/usr/bin/env bash
# Lints every workflow and every Action metadata file of this repository (and the reusable workflows users
# call): actionlint (workflow semantics, expressions, shellcheck of run: blocks), zizmor (security: template
# injection, credential persistence, excessive permissions, unpinned third-party actions) and
# check-jsonschema against GitHub's workflow and action schemas (SchemaStore, vendored in the tool).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv-interop/bin
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
actions=(actions/*/action.yml)

"$bin/actionlint" -no-color "${workflows[@]}"
echo "actionlint: ok (${#workflows[@]} workflows)"

# --offline: no GitHub API calls (CI has no token for them). The auditor persona reports everything,
# informational findings included; any finding fails. Suppressions are inline, each with its reason.
"$bin/zizmor" --offline --persona=auditor --no-progress --format=plain "${workflows[@]}" "${actions[@]}"
echo "zizmor: ok"

"$bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
if [ "${#actions[@]}" -gt 0 ]; then
  "$bin/check-jsonschema" --builtin-schema vendor.github-actions "${actions[@]}"
fi
echo "check-jsonschema: ok (${#workflows[@]} workflows, ${#actions[@]} actions)"
