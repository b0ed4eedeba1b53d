import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, MaxPool2d, Module, ReLU, Sequential } from '@dyrep/nn';
import { ImageModel, type FeatureInfo } from '../image-model';
import { scaleChannels, type ResolvedModelOptions } from '../options';

/** Residual block kind: two 3×3 convs (`basic`) or 1×1–3×3–1×1 with 4× expansion (`bottleneck`). */
export type ResNetBlockKind = 'basic' | 'bottleneck';

/** Architecture of a ResNet: block kind and blocks per stage (`layer1`..`layer4`). */
export interface ResNetSpec {
  block: ResNetBlockKind;
  layers: [number, number, number, number];
}

/** ResNet-18/34/50 as in "Deep Residual Learning" (He et al., 2016). */
export const RESNET_SPECS = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2] },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3] },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
} as const satisfies Record<string, ResNetSpec>;

function conv(cin: number, cout: number, k: number, stride: number): Conv2d {
  return new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: k, stride, padding: Math.floor(k / 2) });
}

function downsample(cin: number, cout: number, stride: number): Sequential {
  return new Sequential(conv(cin, cout, 1, stride), new BatchNorm2d(cout));
}

/**
 * Basic residual block: `conv1` 3×3 (stride) → `bn1` → ReLU → `conv2` 3×3 → `bn2`, plus the
 * shortcut (`downsample.0` 1×1 conv → `downsample.1` BN when shape changes), then ReLU.
 */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  private readonly hasDownsample: boolean;

  constructor(cin: number, planes: number, stride: number, zeroInitLastBn = false) {
    super();
    this.registerModule('conv1', conv(cin, planes, 3, stride));
    this.registerModule('bn1', new BatchNorm2d(planes));
    this.registerModule('conv2', conv(planes, planes, 3, 1));
    const bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    if (zeroInitLastBn) tf.tidy(() => bn2.weight.assign(tf.zerosLike(bn2.weight)));
    this.hasDownsample = stride !== 1 || cin !== planes;
    if (this.hasDownsample) this.registerModule('downsample', downsample(cin, planes, stride));
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = (p: string, t: tf.Tensor) => this.getModule(p).forward(t);
      let y = tf.relu(m('bn1', m('conv1', x)));
      y = m('bn2', m('conv2', y));
      const shortcut = this.hasDownsample ? m('downsample', x) : x;
      return tf.relu(tf.add(y, shortcut));
    });
  }
}

/**
 * Bottleneck block (torchvision "ResNet v1.5": stride on the 3×3): `conv1` 1×1 → `bn1` → ReLU →
 * `conv2` 3×3 (stride) → `bn2` → ReLU → `conv3` 1×1 (4× planes) → `bn3`, plus the shortcut, then ReLU.
 */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  private readonly hasDownsample: boolean;

  constructor(cin: number, planes: number, stride: number, zeroInitLastBn = false) {
    super();
    const cout = planes * Bottleneck.expansion;
    this.registerModule('conv1', conv(cin, planes, 1, 1));
    this.registerModule('bn1', new BatchNorm2d(planes));
    this.registerModule('conv2', conv(planes, planes, 3, stride));
    this.registerModule('bn2', new BatchNorm2d(planes));
    this.registerModule('conv3', conv(planes, cout, 1, 1));
    const bn3 = this.registerModule('bn3', new BatchNorm2d(cout));
    if (zeroInitLastBn) tf.tidy(() => bn3.weight.assign(tf.zerosLike(bn3.weight)));
    this.hasDownsample = stride !== 1 || cin !== cout;
    if (this.hasDownsample) this.registerModule('downsample', downsample(cin, cout, stride));
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = (p: string, t: tf.Tensor) => this.getModule(p).forward(t);
      let y = tf.relu(m('bn1', m('conv1', x)));
      y = tf.relu(m('bn2', m('conv2', y)));
      y = m('bn3', m('conv3', y));
      const shortcut = this.hasDownsample ? m('downsample', x) : x;
      return tf.relu(tf.add(y, shortcut));
    });
  }
}

/**
 * ResNet with torchvision's module paths: `conv1`, `bn1`, `relu`, `maxpool` (ImageNet stem only),
 * `layer1`..`layer4` (each a Sequential of blocks, `layer1.0.conv1` …), `avgpool`, `fc`. Convs have
 * no bias; `fc` has one. Stems: `imagenet` = 7×7/2 conv + 3×3/2 max-pool (reduction 32);
 * `cifar` = 3×3/1 conv, no pool (reduction 8). Stage widths 64·2^i scaled by `width`.
 */
export class ResNet extends ImageModel {
  constructor(spec: ResNetSpec, options: ResolvedModelOptions) {
    super(options);
    const { width, stem, inChannels, numClasses } = options;
    const Block = spec.block === 'basic' ? BasicBlock : Bottleneck;
    const stemChannels = scaleChannels(64, width);
    if (stem === 'imagenet') {
      this.registerModule('conv1', new Conv2d({ inChannels, outChannels: stemChannels, kernelSize: 7, stride: 2, padding: 3 }));
    } else {
      this.registerModule('conv1', new Conv2d({ inChannels, outChannels: stemChannels, kernelSize: 3, stride: 1, padding: 1 }));
    }
    this.registerModule('bn1', new BatchNorm2d(stemChannels));
    this.registerModule('relu', new ReLU());
    const trunk = ['conv1', 'bn1', 'relu'];
    if (stem === 'imagenet') {
      this.registerModule('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
      trunk.push('maxpool');
    }
    let reduction = stem === 'imagenet' ? 4 : 1;
    let cin = stemChannels;
    const featureInfo: FeatureInfo[] = [];
    spec.layers.forEach((blocks, i) => {
      const planes = scaleChannels(64 * 2 ** i, width);
      const stride = i === 0 ? 1 : 2;
      const layer = new Sequential();
      for (let b = 0; b < blocks; b++) {
        layer.append(new Block(cin, planes, b === 0 ? stride : 1, options.zeroInitResidual));
        cin = planes * Block.expansion;
      }
      const name = `layer${i + 1}`;
      this.registerModule(name, layer);
      trunk.push(name);
      reduction *= stride;
      featureInfo.push({ module: name, channels: cin, reduction });
    });
    this.registerModule('avgpool', new GlobalAvgPool());
    this.registerModule('fc', new Linear(cin, numClasses));
    this.setLayout({ trunk, head: ['avgpool', 'fc'], featureInfo, numFeatures: cin });
  }
}
