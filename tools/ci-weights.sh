#!/usr/bin/env bash
# CI for PyTorch weights (issue 15). Run after `npm ci` and `npm test` from the repo root:
#   bash tools/ci-weights.sh
# With torch + safetensors (+ onnxruntime) importable or installable from pip:
#  1. full-size checkpoints in torchvision's layout (resnet18, resnet50, vgg16_bn) and timm's
#     (mobilenet_v1, repvgg_a0 with its training-time branches) at width 1, random weights and BN
#     statistics, 224x224, made by PyTorch, load into dyrep-ts with PyTorch's logits;
#  2. round trip: short `dyrep train` runs (resnet18, repvgg_a0, mobilenet_v1) whose dyrep policy
#     grows AND cuts blocks export the fused network as safetensors and ONNX; PyTorch loads the
#     safetensors with load_state_dict(strict=True) and its logits equal the ONNX export's
#     (onnxruntime), max |Δ| asserted; a run without a grow and a cut fails the step.
# Without torch it says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true FORCE_COLOR=0
start=$(date +%s)
stamp() { echo "[ci-weights] $(( $(date +%s) - start )) s: $*"; }
work="$(mktemp -d "${TMPDIR:-/tmp}/dyrep-weights.XXXXXX")"
trap 'rm -rf "$work"' EXIT

have() { python3 -c "import torch, safetensors, numpy, onnxruntime" >/dev/null 2>&1; }
if ! command -v python3 >/dev/null 2>&1; then
  echo "[ci-weights] SKIPPED: no python3; the PyTorch weight checks did not run."
  exit 0
fi
if ! have; then
  stamp "pip install torch safetensors numpy onnxruntime"
  if ! timeout 1200 python3 -m pip install --disable-pip-version-check torch safetensors numpy onnxruntime >"$work/pip.log" 2>&1 || ! have; then
    tail -n 3 "$work/pip.log" 2>/dev/null || true
    echo "[ci-weights] SKIPPED: torch/safetensors/onnxruntime could not be installed; the full-size and round-trip PyTorch checks did not run."
    exit 0
  fi
fi

stamp "full-size checkpoints from PyTorch ($(python3 -c 'import torch; print(torch.__version__)'))"
python3 tools/weights/make-fixtures.py --full-size "$work/full"
stamp "loading them into dyrep-ts (eval logits within 1e-4 relative of PyTorch's)"
npx tsx --conditions=@dyrep/source tools/weights/check-fixtures.ts "$work/full"

roundtrip() { # MODEL STEM EPOCHS TRAIN_LIMIT
  stamp "round trip $1: dyrep train (grows and cuts) → fused safetensors → PyTorch strict load = ONNX export"
  npx dyrep train --model "$1" --stem "$2" --width 0.0625 --dataset fashion-mnist --train-limit "$4" --test-limit 128 \
    --epochs "$3" --batch-size 64 --policy dyrep --adjust-interval 1 --top-k 2 --recal-bn-batches 2 --cut-min-std 0 --cut-max-weight 0.9 \
    --backend wasm --seed 1 --export onnx,safetensors --out "$work/run-$1" >"$work/train-$1.log" 2>&1 \
    || { tail -n 20 "$work/train-$1.log"; exit 1; }
  python3 tools/weights/check-roundtrip.py "$work/run-$1" --min-grows 1 --min-cuts 1
}
roundtrip resnet18 imagenet 4 512
roundtrip repvgg_a0 cifar 3 256
roundtrip mobilenet_v1 cifar 3 256
stamp "done"
