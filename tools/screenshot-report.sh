#!/usr/bin/env bash
# Renders a dyrep report.html (bench, train or detect train) in headless Chromium (Debian's
# `chromium` package) and saves a PNG screenshot next to it, proving the self-contained page
# renders with no network.
# Usage: tools/screenshot-report.sh runs/bench/report.html [out.png]
set -euo pipefail
report=$(realpath "$1")
png=${2:-"${report%.html}.png"}
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1280,1900 \
  --screenshot="$png" "file://$report" >/dev/null 2>&1
[ -s "$png" ] || { echo "no screenshot was written" >&2; exit 1; }
echo "screenshot: $png"
