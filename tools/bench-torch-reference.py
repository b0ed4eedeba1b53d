"""PyTorch reference for tools/bench-speed.ts: the same training step as tools/bench-tensorflow.ts.

ResNet-18 (CIFAR stem: 3x3 conv, no max-pool; width multiplier), batch B of 32x32x3 random input,
forward + cross-entropy + backward + SGD (momentum 0.9, weight decay 1e-4), plain and with every
3x3 conv replaced by a Diverse Branch Block (kxk, 1x1, 1x1_kxk, 1x1_avg: the 'dbb' preset, the same
modules as @dyrep/rep-blocks, BN-and-pad included). Prints one JSON line. Needs torch (CPU).

    python3 tools/bench-torch-reference.py --threads 2 --batch 64 --steps 10 --width 0.25
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BNAndPad(nn.BatchNorm2d):
    """BN, then padding that holds BN(0) (the batch statistics' response to zero in training)."""

    def __init__(self, c, pad):
        super().__init__(c)
        self.pad = pad

    def forward(self, x):
        y = super().forward(x)
        if self.pad == 0:
            return y
        if self.training:
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
        else:
            mean, var = self.running_mean, self.running_var
        fill = (self.bias - mean * self.weight / torch.sqrt(var + self.eps)).view(1, -1, 1, 1)
        p = self.pad
        return F.pad(y - fill, [p, p, p, p]) + fill


def conv_bn(cin, cout, k, s, p, groups=1, bias=False):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, p, groups=groups, bias=bias), nn.BatchNorm2d(cout))


class DBB(nn.Module):
    def __init__(self, cin, cout, k, s, p):
        super().__init__()
        self.kxk = conv_bn(cin, cout, k, s, p, bias=True)
        self.one = conv_bn(cin, cout, 1, s, p - k // 2) if p == k // 2 else None
        self.one_kxk = nn.Sequential(nn.Conv2d(cin, cin, 1, bias=False), BNAndPad(cin, p),
                                     nn.Conv2d(cin, cout, k, s, 0, bias=False), nn.BatchNorm2d(cout))
        self.one_avg = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), BNAndPad(cout, p),
                                     nn.AvgPool2d(k, s, 0), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.kxk(x) + self.one_kxk(x) + self.one_avg(x)
        return y + self.one(x) if self.one is not None else y


def conv3(cin, cout, s, dbb):
    return DBB(cin, cout, 3, s, 1) if dbb else nn.Conv2d(cin, cout, 3, s, 1, bias=False)


class Basic(nn.Module):
    def __init__(self, cin, cout, s, dbb):
        super().__init__()
        self.conv1, self.bn1 = conv3(cin, cout, s, dbb), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = conv3(cout, cout, 1, dbb), nn.BatchNorm2d(cout)
        self.down = conv_bn(cin, cout, 1, s, 0) if s != 1 or cin != cout else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNet18(nn.Module):
    def __init__(self, width, dbb, classes=10):
        super().__init__()
        c = [int(64 * width), int(128 * width), int(256 * width), int(512 * width)]
        self.conv1, self.bn1 = conv3(3, c[0], 1, dbb), nn.BatchNorm2d(c[0])
        layers, cin = [], c[0]
        for i, cout in enumerate(c):
            s = 1 if i == 0 else 2
            layers += [Basic(cin, cout, s, dbb), Basic(cout, cout, 1, dbb)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        y = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def step_times(width, dbb, batch, steps):
    torch.manual_seed(1)
    model = ResNet18(width, dbb).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.arange(batch) % 10
    times = []
    for i in range(steps + 2):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= 2:
            times.append((time.perf_counter() - t) * 1000)
    params = sum(p.numel() for p in model.parameters())
    return {"params": params, "medianMs": statistics.median(times), "minMs": min(times)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--width", type=float, default=0.25)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    plain = step_times(a.width, False, a.batch, a.steps)
    rss_plain = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dbb = step_times(a.width, True, a.batch, a.steps)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "plain": plain, "dbb": dbb,
                      "peakRssMiBPlain": rss_plain, "peakRssMiB": rss}))


if __name__ == "__main__":
    main()
