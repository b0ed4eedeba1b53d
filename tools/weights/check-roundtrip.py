"""Round trip check of a `dyrep train` run: its safetensors export loads into the PyTorch
architecture with load_state_dict(strict=True) and gives the logits of the same run's ONNX export
(onnxruntime), max |Δ| asserted; the run's structure changes are checked too, so that the fused
network really came from a grown (and cut) one.

    python3 tools/weights/check-roundtrip.py RUN [--min-grows N] [--min-cuts N]

RUN is the run directory (RUN/export/model.safetensors, RUN/export/model.onnx, RUN/summary.json).
The safetensors metadata says which architecture, options, input shape and normalisation; the ONNX
model takes NCHW pixels in [0, 1] and normalises itself, PyTorch gets the normalised batch.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnxruntime as ort
import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(__file__))
from torch_models import build  # noqa: E402

TOLERANCE = 1e-4


def structure_changes(run):
    with open(os.path.join(run, "summary.json")) as f:
        events = json.load(f)["events"]
    grows = [e for e in events if e["type"] == "grow"]
    cuts = [e for e in events if e["type"] == "cut"]
    return grows, cuts


def main(run, min_grows, min_cuts):
    weights = os.path.join(run, "export", "model.safetensors")
    onnx_file = os.path.join(run, "export", "model.onnx")
    grows, cuts = structure_changes(run)
    timeline = "; ".join(f"e{e['epoch'] + 1} {e['type']} {e['path']}" for e in sorted(grows + cuts, key=lambda e: e["epoch"])) or "none"
    print(f"[check-roundtrip] {run}: {len(grows)} grow(s), {len(cuts)} cut(s) during training ({timeline})")
    if len(grows) < min_grows or len(cuts) < min_cuts:
        sys.exit(f"[check-roundtrip] FAILED: the run needs at least {min_grows} grow(s) and {min_cuts} cut(s) to test a grown structure")
    with safe_open(weights, "pt") as f:
        meta = f.metadata()
    options = json.loads(meta["dyrep.model-options"])
    h, w, c = json.loads(meta["dyrep.input-shape"])
    norm = json.loads(meta["dyrep.normalization"])
    model = build(meta["dyrep.architecture"], num_classes=options["numClasses"], in_channels=options["inChannels"], width=options["width"], stem=options["stem"])
    model.load_state_dict(load_file(weights), strict=True)
    model.eval()
    x = torch.rand(16, c, h, w, generator=torch.Generator().manual_seed(0))
    mean = torch.tensor(norm["mean"]).view(1, -1, 1, 1)
    std = torch.tensor(norm["std"]).view(1, -1, 1, 1)
    with torch.no_grad():
        torch_logits = model((x - mean) / std).numpy()
    session = ort.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    onnx_logits = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    diff = float(np.max(np.abs(torch_logits - onnx_logits)))
    rel = diff / max(float(np.max(np.abs(onnx_logits))), 1e-12)
    agree = float(np.mean(torch_logits.argmax(1) == onnx_logits.argmax(1)))
    print(f"[check-roundtrip] {meta['dyrep.architecture']} width {options['width']} ({options['stem']} stem, {options['numClasses']} classes): "
          f"strict load OK; PyTorch vs ONNX Runtime on 16 images: max |Δ| {diff:.2e}, max rel |Δ| {rel:.2e}, top-1 agreement {agree:.0%}")
    if not rel <= TOLERANCE:
        sys.exit(f"[check-roundtrip] FAILED: relative difference {rel:.2e} above {TOLERANCE}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run")
    p.add_argument("--min-grows", type=int, default=0, help="fail unless the run grew at least this many convs (default 0)")
    p.add_argument("--min-cuts", type=int, default=0, help="fail unless the run cut at least this many times (default 0)")
    a = p.parse_args()
    main(a.run, a.min_grows, a.min_cuts)
