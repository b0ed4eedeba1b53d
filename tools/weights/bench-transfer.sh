#!/usr/bin/env bash
# Transfer benchmark (docs/benchmarks.md "Transfer from a PyTorch checkpoint"):
#   bash tools/weights/bench-transfer.sh [OUT_DIR]   (default runs/transfer)
# 1. PyTorch: pretrain ResNet-18 width 0.25 (CIFAR stem) on Fashion-MNIST classes 0-4, save safetensors
#    (skipped when OUT_DIR already holds pretrained-0-4.safetensors and pretrain.json).
# 2. dyrep-ts: on classes 5-9, train from scratch (none), fine-tune from the checkpoint with `none`
#    and with `dyrep`; same epochs, seed and data. Prints the table docs/benchmarks.md shows and
#    writes it to OUT_DIR/transfer.md; each run's log is OUT_DIR/<run>.log.
# Sized for a shared 2-core machine; environment overrides (defaults):
#   EPOCHS (2), TRAIN_LIMIT (3000), TEST_LIMIT (1000) for the dyrep-ts runs,
#   PRETRAIN_EPOCHS (2), PRETRAIN_LIMIT (12000) for the PyTorch pretraining.
# A smoke run: EPOCHS=1 TRAIN_LIMIT=256 TEST_LIMIT=256 PRETRAIN_EPOCHS=1 PRETRAIN_LIMIT=512 bash tools/weights/bench-transfer.sh /tmp/transfer-smoke
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/transfer}"
EPOCHS="${EPOCHS:-2}" TRAIN_LIMIT="${TRAIN_LIMIT:-3000}" TEST_LIMIT="${TEST_LIMIT:-1000}"
PRETRAIN_EPOCHS="${PRETRAIN_EPOCHS:-2}" PRETRAIN_LIMIT="${PRETRAIN_LIMIT:-12000}"
start=$(date +%s)
stamp() { echo "[bench-transfer] $(( $(date +%s) - start )) s: $*"; }
mkdir -p "$out"
if [ -f "$out/pretrained-0-4.safetensors" ] && [ -f "$out/pretrain.json" ]; then
  stamp "reusing $out/pretrained-0-4.safetensors"
else
  stamp "PyTorch pretraining on classes 0-4 ($PRETRAIN_EPOCHS epoch(s), $PRETRAIN_LIMIT images)"
  python3 tools/weights/pretrain-fashion.py "$out" --epochs "$PRETRAIN_EPOCHS" --train-limit "$PRETRAIN_LIMIT"
fi
common=(--model resnet18 --width 0.25 --stem cifar --dataset fashion-mnist --data-dir "$out/fmnist-5-9" --epochs "$EPOCHS"
  --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --seed 0 --backend wasm --export "" --force)
run() { # NAME FLAGS...
  local name="$1"
  shift
  stamp "dyrep train $name ($EPOCHS epoch(s), $TRAIN_LIMIT images of classes 5-9); log: $out/$name.log"
  set +e
  npx dyrep train "${common[@]}" "$@" --out "$out/$name" 2>&1 | tee "$out/$name.log" | grep --line-buffered -E '^epoch [0-9]+/|grow|cut|^dyrep:'
  local rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || { echo "[bench-transfer] FAILED: dyrep train $name exited $rc (see $out/$name.log)"; exit 1; }
}
run scratch-none --policy none
run pretrained-none --policy none --pretrained "$out/pretrained-0-4.safetensors" --reset-head
run pretrained-dyrep --policy dyrep --pretrained "$out/pretrained-0-4.safetensors" --reset-head
node -e '
const fs = require("fs"), path = require("path");
const out = process.argv[1];
const pre = JSON.parse(fs.readFileSync(path.join(out, "pretrain.json"), "utf8"));
const lines = [`pretraining (PyTorch ${pre.torch}, ${pre.trainImages} images of classes 0-4, ${pre.epochs} epochs): ${(pre.testTop1 * 100).toFixed(2)}% on classes 0-4, ${pre.seconds.toFixed(0)} s`, "",
  "| start | policy | test top-1 (classes 5-9) | s/epoch | total s | structure timeline |", "|---|---|---|---|---|---|"];
for (const run of ["scratch-none", "pretrained-none", "pretrained-dyrep"]) {
  const s = JSON.parse(fs.readFileSync(path.join(out, run, "summary.json"), "utf8"));
  const total = s.secondsPerEpoch.reduce((a, b) => a + b, 0);
  const events = s.events.map((e) => `e${e.epoch + 1} ${e.type} ${e.path}`).join("; ") || "—";
  lines.push(`| ${run.split("-")[0]} | ${s.policy} | ${(s.testAccuracy * 100).toFixed(2)}% | ${(total / s.epochs).toFixed(1)} | ${total.toFixed(0)} | ${events} |`);
}
fs.writeFileSync(path.join(out, "transfer.md"), lines.join("\n") + "\n");
console.log(lines.join("\n"));' "$out"
stamp "done; table in $out/transfer.md"
