#!/usr/bin/env bash
# CI for the `tensorflow` backend (issue 9). Run after `npm ci` and `npm test` from the repo root:
#   bash tools/ci-tensorflow.sh
# If a TensorFlow CPU wheel can be had from pip, installs @tensorflow/tfjs-node into the root
# node_modules (--no-save: package.json and the lockfile are untouched) with its binding built from
# the wheel by `dyrep-tensorflow-installer install` (@dyrep/tensorflow-installer), then runs the backend package's tests with the
# tensorflow parity block mandatory, and a short DyRep run (grow + cut + deploy + ONNX export) on
# `tensorflow`. Without a wheel it says so and exits 0. Both run with initBackend's default oneDNN
# setting (on; TF_ENABLE_ONEDNN_OPTS is left unset here): the strided 1×1 filter-gradient tests and
# the smoke run's ResNet-18 width 0.125 (8 → 16 channels, stride 2, batch 32, 28×28: the shape
# whose oneDNN kernel corrupts the heap) go through our routed kernel, so a regression crashes CI.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true FORCE_COLOR=0
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
REQUIREMENT="${DYREP_TF_REQUIREMENT:-tensorflow_cpu==2.21.0}"
start=$(date +%s)
stamp() { echo "[ci-tensorflow] $(( $(date +%s) - start )) s: $*"; }

wheel_dir="$(mktemp -d "${TMPDIR:-/tmp}/dyrep-tf-wheel.XXXXXX")"
trap 'rm -rf "$wheel_dir"' EXIT

stamp "pip download --no-deps $REQUIREMENT"
if ! command -v python3 >/dev/null 2>&1 \
  || ! timeout 900 python3 -m pip download --no-deps --only-binary=:all: --no-cache-dir --disable-pip-version-check \
       -d "$wheel_dir" "$REQUIREMENT" >"$wheel_dir/pip.log" 2>&1; then
  tail -n 3 "$wheel_dir/pip.log" 2>/dev/null || true
  echo "[ci-tensorflow] SKIPPED: no TensorFlow wheel ($REQUIREMENT) could be downloaded; the tensorflow backend parity suite and smoke run did not run."
  exit 0
fi
wheel="$(ls "$wheel_dir"/*.whl)"
stamp "downloaded $(basename "$wheel") ($(du -m "$wheel" | cut -f1) MiB)"

# The command (bin of @dyrep/tensorflow-installer, linked by npm ci) runs its built dist: build it if nothing did.
[ -f packages/tensorflow-installer/dist/cli.js ] || npx nx run @dyrep/tensorflow-installer:build --output-style=static
stamp "dyrep-tensorflow-installer install"
npx --no -- dyrep-tensorflow-installer install --wheel "$wheel" --prefix .
rm -f "$wheel"

stamp "backend tests with the tensorflow blocks mandatory (TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-unset: initBackend turns oneDNN on})"
(cd packages/backend && DYREP_TEST_TENSORFLOW=1 npx mocha)

stamp "DyRep smoke run on tensorflow"
npx tsx --conditions=@dyrep/source tools/tensorflow-smoke.ts

stamp "done"
