"""Pure-PyTorch models with the parameter names and layouts of the libraries dyrep-ts maps to.

- torchvision: ResNet-18/34/50 (``torchvision.models.resnet*``, ImageNet stem, v1.5 bottlenecks)
  and VGG-16-BN (``vgg16_bn``: conv biases, a 7x7 adaptive pool, the 4096-4096 classifier);
- timm: MobileNetV1 (``timm.create_model("mobilenetv1_100", act_layer="relu")``; ``act="relu6"``
  is timm's default activation) and RepVGG-A0 (``timm.create_model("repvgg_a0")``, training-time
  blocks with ``conv_kxk``, ``conv_1x1`` and ``identity`` branches; ``reparameterize()`` fuses them
  into ``reparam_conv`` as timm does).

All take the width multiplier of dyrep-ts (``max(1, round(c * width))`` on every layer), so that
``model.load_state_dict(library_state_dict, strict=True)`` works at width 1 and the small fixtures
use the same code. Neither torchvision nor timm is needed.
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


# timm's MobileNetV1 (timm.models.efficientnet, "dsa" blocks: depthwise-separable, activation after
# the pointwise conv, no skip), stages of 1, 2, 2, 6, 2 blocks as (out channels, stride).
MOBILENET_V1_STAGES = [[(64, 1)], [(128, 2), (128, 1)], [(256, 2), (256, 1)], [(512, 2)] + [(512, 1)] * 5, [(1024, 2), (1024, 1)]]


class DepthwiseSeparable(nn.Module):
    def __init__(self, cin, cout, stride, act):
        super().__init__()
        self.conv_dw = nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv_pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.act = act()

    def forward(self, x):
        return self.act(self.bn2(self.conv_pw(self.act(self.bn1(self.conv_dw(x))))))


class MobileNetV1(nn.Module):
    def __init__(self, num_classes=1000, in_channels=3, width=1.0, stem="imagenet", act="relu"):
        super().__init__()
        act = {"relu": nn.ReLU, "relu6": nn.ReLU6}[act]
        cin = scale(32, width)
        self.conv_stem = nn.Conv2d(in_channels, cin, 3, 2 if stem == "imagenet" else 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.act = act()
        stages = []
        for stage in MOBILENET_V1_STAGES:
            blocks = []
            for cout, stride in stage:
                blocks.append(DepthwiseSeparable(cin, scale(cout, width), stride, act))
                cin = scale(cout, width)
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)
        self.classifier = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.blocks(self.act(self.bn1(self.conv_stem(x))))
        return self.classifier(x.mean((2, 3)))


class ConvBn(nn.Module):
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class RepVggBlock(nn.Module):
    """timm.models.byobnet.RepVggBlock: identity BN (same channels, stride 1) + 3x3 conv-BN + 1x1 conv-BN, then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.identity = nn.BatchNorm2d(cout) if cin == cout and stride == 1 else None
        self.conv_kxk = ConvBn(cin, cout, 3, stride)
        self.conv_1x1 = ConvBn(cin, cout, 1, stride)
        self.reparam_conv = None
        self.act = nn.ReLU()

    def forward(self, x):
        if self.reparam_conv is not None:
            return self.act(self.reparam_conv(x))
        y = self.conv_kxk(x) + self.conv_1x1(x)
        return self.act(y if self.identity is None else y + self.identity(x))

    def reparameterize(self):
        """timm's reparameterize(): the branches fused into one biased 3x3 conv (eval-mode BN statistics)."""
        def fuse(w, bn):
            s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            return w * s.view(-1, 1, 1, 1), bn.bias - bn.running_mean * s
        conv = self.conv_kxk.conv
        k, b = fuse(conv.weight, self.conv_kxk.bn)
        k1, b1 = fuse(nn.functional.pad(self.conv_1x1.conv.weight, [1, 1, 1, 1]), self.conv_1x1.bn)
        k, b = k + k1, b + b1
        if self.identity is not None:
            eye = torch.zeros_like(k)
            for c in range(k.shape[0]):
                eye[c, c, 1, 1] = 1
            ki, bi = fuse(eye, self.identity)
            k, b = k + ki, b + bi
        self.reparam_conv = nn.Conv2d(conv.in_channels, conv.out_channels, 3, conv.stride, 1, bias=True)
        with torch.no_grad():
            self.reparam_conv.weight.copy_(k)
            self.reparam_conv.bias.copy_(b)
        del self.conv_kxk, self.conv_1x1, self.identity


class ClassifierHead(nn.Module):
    def __init__(self, cin, num_classes):
        super().__init__()
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        return self.fc(x.mean((2, 3)))


class RepVGG(nn.Module):
    """timm's repvgg_a0 (ByobNet): stem block (stride 2; 1 with the cifar stem), stages of 2, 4, 14, 1 blocks, head.fc."""

    def __init__(self, num_classes=1000, in_channels=3, width=1.0, stem="imagenet"):
        super().__init__()
        cin = scale(48, width)
        self.stem = RepVggBlock(in_channels, cin, 2 if stem == "imagenet" else 1)
        stages = []
        for depth, channels in zip((2, 4, 14, 1), (48, 96, 192, 1280)):
            blocks = []
            for i in range(depth):
                blocks.append(RepVggBlock(cin, scale(channels, width), 2 if i == 0 else 1))
                cin = scale(channels, width)
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.head = ClassifierHead(cin, num_classes)

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))

    def reparameterize(self):
        for m in list(self.modules()):
            if isinstance(m, RepVggBlock):
                m.reparameterize()


def build(name, stem="imagenet", **kwargs):
    """A model by dyrep-ts registry name: resnet18, resnet34, resnet50, mobilenet_v1, repvgg_a0 (stem imagenet or cifar) or vgg16_bn."""
    if name == "vgg16_bn":
        return VGG(**kwargs)
    if name == "mobilenet_v1":
        return MobileNetV1(stem=stem, **kwargs)
    if name == "repvgg_a0":
        return RepVGG(stem=stem, **kwargs)
    return ResNet(name, stem=stem, **kwargs)


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
