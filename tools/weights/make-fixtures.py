"""Writes the small PyTorch-made fixtures of @dyrep/weights' tests (packages/weights/test/fixtures).

For every mapped architecture: random weights and random BN statistics (tools/weights/torch_models.py,
torchvision's or timm's parameter names), saved with safetensors.torch.save_file exactly as the
library's state dict would be, plus an input batch (NCHW) and PyTorch's eval-mode logits. Extra
cases: the same ResNet-18 stored as F16 and BF16, its stem adapted to 1 and 2 input channels by
timm's rule, VGG-16-BN at two input sizes (1x1 and 2x2 maps before the 7x7 adaptive pool), and
RepVGG-A0 after timm's reparameterize() (reparam_conv instead of the three branches).

    pip install torch safetensors numpy
    python3 tools/weights/make-fixtures.py                  # the small committed fixtures
    python3 tools/weights/make-fixtures.py --full-size DIR   # resnet18, resnet50, vgg16_bn, mobilenet_v1, repvgg_a0 at width 1, 224x224 (CI)
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from torch_models import adapt_input_conv, build, randomize  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "weights", "test", "fixtures")
NUM_CLASSES = 5
BATCH = 2


def logits(model, x):
    with torch.no_grad():
        return model.eval()(x)


def write_case(out, cases, name, model_name, width, weights, model, size, in_channels=3, num_classes=NUM_CLASSES, batch=BATCH, **extra):
    g = torch.Generator().manual_seed(len(cases) + 100)
    x = torch.randn(batch, in_channels, size, size, generator=g)
    save_file({"input": x.contiguous(), "logits": logits(model, x).contiguous()}, os.path.join(out, f"{name}.io.safetensors"))
    cases.append({"name": name, "model": model_name, "width": width, "numClasses": num_classes, "inChannels": in_channels,
                  "size": size, "weights": weights, "io": f"{name}.io.safetensors", **extra})


def write_manifest(out, cases):
    with open(os.path.join(out, "fixtures.json"), "w") as f:
        json.dump({"generator": "tools/weights/make-fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=2)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")


def full_size(out):
    os.makedirs(out, exist_ok=True)
    cases = []
    for i, (model_name, batch) in enumerate([("resnet18", 2), ("resnet50", 2), ("vgg16_bn", 1), ("mobilenet_v1", 2), ("repvgg_a0", 2)]):
        model = randomize(build(model_name), torch.Generator().manual_seed(i + 1))
        weights = f"{model_name}.safetensors"
        save_file(model.state_dict(), os.path.join(out, weights))
        write_case(out, cases, f"{model_name}-224", model_name, 1, weights, model, 224, num_classes=1000, batch=batch)
    write_manifest(out, cases)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--full-size":
        return full_size(sys.argv[2])
    os.makedirs(OUT, exist_ok=True)
    cases = []
    architectures = [("resnet18", 0.0625, [64]), ("resnet34", 0.0625, [64]), ("resnet50", 0.0625, [64]), ("vgg16_bn", 0.03125, [32, 64]),
                     ("mobilenet_v1", 0.0625, [64]), ("repvgg_a0", 0.0625, [64])]
    for i, (model_name, width, sizes) in enumerate(architectures):
        model = randomize(build(model_name, num_classes=NUM_CLASSES, width=width), torch.Generator().manual_seed(i + 1))
        weights = f"{model_name}.safetensors"
        save_file(model.state_dict(), os.path.join(OUT, weights))
        for size in sizes:
            write_case(OUT, cases, f"{model_name}-{size}", model_name, width, weights, model, size)
        if model_name == "repvgg_a0":
            model.reparameterize()
            save_file(model.state_dict(), os.path.join(OUT, "repvgg_a0-deploy.safetensors"))
            write_case(OUT, cases, "repvgg_a0-deploy-64", model_name, width, "repvgg_a0-deploy.safetensors", model, 64)
        if model_name != "resnet18":
            continue
        state = model.state_dict()
        for dtype, tag in [(torch.float16, "f16"), (torch.bfloat16, "bf16")]:
            narrow = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in state.items()}
            save_file(narrow, os.path.join(OUT, f"resnet18-{tag}.safetensors"))
            rounded = build(model_name, num_classes=NUM_CLASSES, width=width)
            rounded.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in narrow.items()}, strict=True)
            write_case(OUT, cases, f"resnet18-{tag}-64", model_name, width, f"resnet18-{tag}.safetensors", rounded, 64)
        for channels in (1, 2):
            adapted = build(model_name, num_classes=NUM_CLASSES, width=width, in_channels=channels)
            adapted_state = dict(state)
            adapted_state["conv1.weight"] = adapt_input_conv(channels, state["conv1.weight"])
            adapted.load_state_dict(adapted_state, strict=True)
            write_case(OUT, cases, f"resnet18-adapt{channels}-64", model_name, width, weights, adapted, 64, in_channels=channels, adaptStem=True)
    write_manifest(OUT, cases)


if __name__ == "__main__":
    main()
