#!/usr/bin/env bash
# The quality gates, each with a one-line verdict; stops at the first failing one (exit 1) after
# printing its output. Run by .ci/run after `npm ci`; run it locally before landing.
#   lint      biome ci: the linter (recommended rules minus style-only ones) and the formatter's
#             check (biome.json; `npm run format` rewrites the files)
#   sherif    one version of each dependency across the workspace, sorted dependency maps
#   packages  the package.json conventions of docs/releasing.md (tools/check-packages.mjs)
#   versions  src/version.ts matches package.json (tools/stamp-versions.mjs --check)
#   graph     docs/architecture.md's package graph matches the package.json files, and only the
#             CLI depends on the trainer (tools/package-graph.mjs --check)
#   types     tsc --noEmit over every package (nx typecheck) and over tools/
#   knip      no unused files, exports or dependencies
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true FORCE_COLOR=0
gate() {
  local name=$1; shift
  local log; log=$(mktemp)
  local t0=$SECONDS
  if "$@" >"$log" 2>&1; then
    echo "gate $name: ok ($((SECONDS - t0)) s)"
  else
    cat "$log"
    echo "gate $name: FAILED — \`$*\` (output above)"
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}
gate lint npm run -s lint
gate sherif npm run -s sherif
gate packages node tools/check-packages.mjs
gate versions node tools/stamp-versions.mjs --check
gate graph node tools/package-graph.mjs --check
gate types-packages npm run -s typecheck
gate types-tools npm run -s typecheck:tools
gate knip npm run -s knip
