"""Round trip check: a dyrep-ts safetensors export loads into the PyTorch architecture with
load_state_dict(strict=True) and gives the logits of the same run's ONNX export (onnxruntime).

    python3 tools/weights/check-roundtrip.py RUN/export/model.safetensors RUN/export/model.onnx

The safetensors metadata says which architecture, options, input shape and normalisation; the ONNX
model takes NCHW pixels in [0, 1] and normalises itself, PyTorch gets the normalised batch.
"""
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


def main(weights, onnx_file):
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
    rel = float(np.max(np.abs(torch_logits - onnx_logits)) / max(np.max(np.abs(onnx_logits)), 1e-12))
    agree = float(np.mean(torch_logits.argmax(1) == onnx_logits.argmax(1)))
    print(f"[check-roundtrip] {meta['dyrep.architecture']} width {options['width']} ({options['stem']} stem, {options['numClasses']} classes): "
          f"strict load OK; PyTorch vs ONNX Runtime on 16 images: max rel |Δ| {rel:.2e}, top-1 agreement {agree:.0%}")
    if not rel <= TOLERANCE:
        sys.exit(f"[check-roundtrip] FAILED: relative difference {rel:.2e} above {TOLERANCE}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
