#!/usr/bin/env bash
# CI step: installs Debian's chromium when it is missing, then runs tools/browser-smoke.mjs.
# Skips (exit 0, saying why) only when chromium is absent and cannot be installed (no apt-get,
# or apt-get failed: no network, no root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "browser-smoke: installing chromium with apt-get"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/dyrep-apt-chromium.log 2>&1 \
      || { tail -20 /tmp/dyrep-apt-chromium.log; echo "browser-smoke: SKIPPED — chromium is not installed and \`apt-get install chromium\` failed (log above)"; exit 0; }
  else
    echo "browser-smoke: SKIPPED — no chromium and no apt-get to install it"
    exit 0
  fi
fi
node tools/browser-smoke.mjs --chromium "$(command -v chromium)"
