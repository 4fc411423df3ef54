#!/usr/bin/env bash
# Debian packages the interop suite needs: headless Chromium (HTML reports, edge predictions),
# promtool (Prometheus metrics format). Skips what is already installed; needs root (CI runs as root).
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v promtool >/dev/null || need+=(prometheus)
if [ ${#need[@]} -eq 0 ]; then echo "system deps present"; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then echo "system-deps: need root to install ${need[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
