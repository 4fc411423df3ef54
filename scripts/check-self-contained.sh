#!/usr/bin/env bash
# The repository must build and test from a clone with nothing beside it: no tracked file may read or link
# the workspace's shared folder one level up. Vendored material lives in the repo with its source and
# licence noted (tests/vendor/).
set -euo pipefail
cd "$(dirname "$0")/.."
# The pattern is spelled in pieces so that this file does not match itself.
dots='\.\.'
pattern="${dots}/shared"
if hits=$(git grep -n -I -e "$pattern" -- .); then
  echo "self-contained: these lines reach outside the repository (vendor what they need instead):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "self-contained: nothing reads outside the repository"
