#!/usr/bin/env bash
# Transfer benchmark (docs/benchmarks.md "Transfer from a PyTorch checkpoint"):
#   bash tools/weights/bench-transfer.sh [OUT_DIR]   (default runs/transfer)
# 1. PyTorch: pretrain ResNet-18 width 0.25 (CIFAR stem) on Fashion-MNIST classes 0-4, save safetensors.
# 2. dyrep-ts: on classes 5-9, train from scratch (none), fine-tune from the checkpoint with `none`
#    and with `dyrep`; same epochs, seed and data. Prints the table docs/benchmarks.md shows.
# Sized for a shared 2-core machine: EPOCHS, TRAIN_LIMIT, TEST_LIMIT override the defaults.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/transfer}"
EPOCHS="${EPOCHS:-2}" TRAIN_LIMIT="${TRAIN_LIMIT:-3000}" TEST_LIMIT="${TEST_LIMIT:-1000}"
[ -f "$out/pretrained-0-4.safetensors" ] || python3 tools/weights/pretrain-fashion.py "$out" --epochs 2 --train-limit 12000
common=(--model resnet18 --width 0.25 --stem cifar --dataset fashion-mnist --data-dir "$out/fmnist-5-9" --epochs "$EPOCHS"
  --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --seed 0 --backend wasm --export "" --force)
npx dyrep train "${common[@]}" --policy none --out "$out/scratch-none"
npx dyrep train "${common[@]}" --policy none --pretrained "$out/pretrained-0-4.safetensors" --reset-head --out "$out/pretrained-none"
npx dyrep train "${common[@]}" --policy dyrep --pretrained "$out/pretrained-0-4.safetensors" --reset-head --out "$out/pretrained-dyrep"
node -e '
const fs = require("fs"), path = require("path");
const out = process.argv[1];
const pre = JSON.parse(fs.readFileSync(path.join(out, "pretrain.json"), "utf8"));
console.log(`pretraining (PyTorch ${pre.torch}, ${pre.trainImages} images of classes 0-4, ${pre.epochs} epochs): ${(pre.testTop1 * 100).toFixed(2)}% on classes 0-4, ${pre.seconds.toFixed(0)} s`);
console.log("| start | policy | test top-1 (classes 5-9) | s/epoch | total s | structure timeline |");
console.log("|---|---|---|---|---|---|");
for (const run of ["scratch-none", "pretrained-none", "pretrained-dyrep"]) {
  const s = JSON.parse(fs.readFileSync(path.join(out, run, "summary.json"), "utf8"));
  const total = s.secondsPerEpoch.reduce((a, b) => a + b, 0);
  const events = s.events.map((e) => `e${e.epoch} ${e.type} ${e.path}`).join("; ") || "—";
  console.log(`| ${run.split("-")[0]} | ${s.policy} | ${(s.testAccuracy * 100).toFixed(2)}% | ${(total / s.epochs).toFixed(1)} | ${total.toFixed(0)} | ${events} |`);
}' "$out"
