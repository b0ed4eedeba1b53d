"""Pure-PyTorch ResNet-18/34/50 and VGG-16-BN with torchvision's parameter names and layouts.

The architectures are torchvision's (``torchvision.models.resnet*`` with the ImageNet stem, v1.5
bottlenecks; ``vgg16_bn`` with conv biases, a 7x7 adaptive pool and the 4096-4096 classifier),
plus the width multiplier of dyrep-ts (``max(1, round(c * width))`` on every layer), so that
``model.load_state_dict(torchvision_state_dict, strict=True)`` works at width 1 and the small
fixtures use the same code. torchvision itself is not needed.
"""
import math

import torch
from torch import nn


def scale(channels, width):
    return max(1, int(round(channels * width)))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride):
        super().__init__()
        cout = planes * 4
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


SPECS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]), "resnet50": (Bottleneck, [3, 4, 6, 3])}


class ResNet(nn.Module):
    def __init__(self, name, num_classes=1000, in_channels=3, width=1.0, stem="imagenet"):
        super().__init__()
        block, layers = SPECS[name]
        stem_channels = scale(64, width)
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, stem_channels, 7, 2, 3, bias=False)
        else:  # the common CIFAR variant: 3x3 stride-1 stem, no max-pool (same parameter names)
            self.conv1 = nn.Conv2d(in_channels, stem_channels, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem_channels)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1) if stem == "imagenet" else nn.Identity()
        cin = stem_channels
        for i, blocks in enumerate(layers):
            planes = scale(64 * 2 ** i, width)
            seq = []
            for b in range(blocks):
                seq.append(block(cin, planes, (1 if i == 0 else 2) if b == 0 else 1))
                cin = planes * block.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*seq))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG(nn.Module):
    def __init__(self, num_classes=1000, in_channels=3, width=1.0):
        super().__init__()
        layers, cin = [], in_channels
        for item in VGG16:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                cout = scale(item, width)
                layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
                cin = cout
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        hidden = scale(4096, width)
        self.classifier = nn.Sequential(
            nn.Linear(cin * 49, hidden), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def build(name, stem="imagenet", **kwargs):
    """A model by dyrep-ts registry name: resnet18, resnet34, resnet50 (stem imagenet or cifar) or vgg16_bn."""
    return VGG(**kwargs) if name == "vgg16_bn" else ResNet(name, stem=stem, **kwargs)


def randomize(model, generator):
    """Random weights (He-scaled, so activations stay O(1)) and random BN statistics and affines."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * math.sqrt(2.0 / fan_in))
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=generator) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(1 + 0.3 * torch.randn(c, generator=generator))
                m.bias.copy_(0.2 * torch.randn(c, generator=generator))
                m.running_mean.copy_(0.3 * torch.randn(c, generator=generator))
                m.running_var.copy_(0.5 + torch.rand(c, generator=generator))
                m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=generator)))
    return model


def adapt_input_conv(in_chans, conv_weight):
    """timm's rule (timm.models._manipulate.adapt_input_conv), restated: sum to 1 channel, else repeat and rescale."""
    o, i, kh, kw = conv_weight.shape
    if in_chans == 1:
        return conv_weight.sum(dim=1, keepdim=True)
    repeat = int(math.ceil(in_chans / i))
    return conv_weight.repeat(1, repeat, 1, 1)[:, :in_chans] * (i / float(in_chans))
