#!/usr/bin/env bash
# The repository must build and test from a clone with nothing beside it: no file may read or link the
# workspace's ../shared folder. Vendored material lives in the repo with its source and licence noted.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\.\./shared'
if hits=$(git grep -n -I -e "$pattern" -- . ':!scripts/check-self-contained.sh'); then
  echo "self-contained: these lines reach outside the repository (vendor what they need instead):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "self-contained: no ../shared references"
