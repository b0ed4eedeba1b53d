"""Transfer benchmark, PyTorch side: pretrain a plain ResNet-18 (width 0.25, CIFAR stem) on
Fashion-MNIST classes 0-4 and save it as safetensors in torchvision naming; also write the class
subsets 0-4 and 5-9 as IDX files so dyrep-ts can fine-tune on 5-9 (`--data-dir`).

    python3 tools/weights/pretrain-fashion.py OUT_DIR [--epochs 2] [--train-limit 12000] [--seed 0]

Writes OUT_DIR/pretrained-0-4.safetensors, OUT_DIR/pretrain.json (epochs, trainImages, testTop1,
seconds, torch: what tools/weights/bench-transfer.sh reports) and OUT_DIR/fmnist-0-4, fmnist-5-9.
Progress goes to stdout (flushed): the subsets, every 20 batches, every epoch's test accuracy.

Labels keep their Fashion-MNIST values (10 outputs; the fine-tune resets the head). Inputs are
normalised with Fashion-MNIST's statistics, recorded in the file's `dyrep.normalization` metadata,
so dyrep-ts normalises the same way. Augmentation as dyrep-ts's pipeline: random crop (pad 2) and
horizontal flip.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from torch_models import build  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
MEAN, STD = 0.2860406, 0.3530242  # Fashion-MNIST (FASHION_MNIST_STATS of @dyrep/data)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def load(split):
    stem = "train" if split == "train" else "t10k"
    src = os.path.join(ROOT, "data", "fashion-mnist")
    return read_idx(os.path.join(src, f"{stem}-images-idx3-ubyte.gz")), read_idx(os.path.join(src, f"{stem}-labels-idx1-ubyte.gz"))


def write_subsets(out):
    for name, classes in [("fmnist-0-4", range(0, 5)), ("fmnist-5-9", range(5, 10))]:
        print(f"[pretrain] writing the Fashion-MNIST subset of classes {classes.start}-{classes.stop - 1} to {os.path.join(out, name)}", flush=True)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for split, stem in [("train", "train"), ("test", "t10k")]:
            x, y = load(split)
            keep = np.isin(y, list(classes))
            write_idx(os.path.join(d, f"{stem}-images-idx3-ubyte.gz"), x[keep])
            write_idx(os.path.join(d, f"{stem}-labels-idx1-ubyte.gz"), y[keep])


def batches(x, y, batch, generator, augment):
    order = torch.randperm(len(y), generator=generator) if augment else torch.arange(len(y))
    for i in range(0, len(y), batch):
        idx = order[i:i + batch]
        xb = torch.from_numpy(x[idx.numpy()]).float().div(255).unsqueeze(1)
        if augment:
            xb = F.pad(xb, (2, 2, 2, 2))
            dx, dy = torch.randint(0, 5, (2,), generator=generator).tolist()
            xb = xb[:, :, dy:dy + 28, dx:dx + 28]
            flip = torch.rand(len(idx), generator=generator) < 0.5
            xb[flip] = xb[flip].flip(3)
        yield (xb - MEAN) / STD, torch.from_numpy(y[idx.numpy()].astype(np.int64))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--epochs", type=int, default=2, help="epochs (default 2)")
    p.add_argument("--train-limit", type=int, default=12000, help="training images of classes 0-4 (default 12000)")
    p.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate, cosine schedule (default 0.05)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    a = p.parse_args()
    if a.epochs < 1 or a.train_limit < 1:
        p.error("--epochs and --train-limit must be at least 1")
    os.makedirs(a.out, exist_ok=True)
    write_subsets(a.out)
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(a.seed)
    x, y = load("train")
    keep = y < 5
    x, y = x[keep][: a.train_limit], y[keep][: a.train_limit]
    xt, yt = load("test")
    keep = yt < 5
    xt, yt = xt[keep], yt[keep]
    model = build("resnet18", stem="cifar", num_classes=10, in_channels=1, width=0.25)
    steps = a.epochs * ((len(y) + a.batch_size - 1) // a.batch_size)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    print(f"[pretrain] ResNet-18 width 0.25 (CIFAR stem, torch {torch.__version__}): {len(y)} training images of classes 0-4, {a.epochs} epoch(s), {steps} steps", flush=True)
    start = time.time()
    per_epoch = (len(y) + a.batch_size - 1) // a.batch_size
    for epoch in range(a.epochs):
        model.train()
        for i, (xb, yb) in enumerate(batches(x, y, a.batch_size, g, True)):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            if (i + 1) % 20 == 0 or i + 1 == per_epoch:
                print(f"[pretrain] epoch {epoch + 1}/{a.epochs}: batch {i + 1}/{per_epoch}, loss {loss.item():.4f} ({time.time() - start:.0f} s)", flush=True)
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(xb).argmax(1) == yb).sum()) for xb, yb in batches(xt, yt, 500, g, False))
        print(f"[pretrain] epoch {epoch + 1}/{a.epochs}: test top-1 on classes 0-4 {correct / len(yt):.2%} ({time.time() - start:.0f} s)", flush=True)
    file = os.path.join(a.out, "pretrained-0-4.safetensors")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, file + ".tmp",
              metadata={"format": "pt", "dyrep.normalization": json.dumps({"mean": [MEAN], "std": [STD]})})
    os.replace(file + ".tmp", file)  # a killed run leaves no half-written checkpoint for bench-transfer.sh to reuse
    summary = os.path.join(a.out, "pretrain.json")
    with open(summary + ".tmp", "w") as f:
        json.dump({"epochs": a.epochs, "trainImages": int(len(y)), "testTop1": correct / len(yt), "seconds": time.time() - start, "torch": torch.__version__}, f)
    os.replace(summary + ".tmp", summary)
    print(f"[pretrain] wrote {file} and {summary}", flush=True)


if __name__ == "__main__":
    main()
