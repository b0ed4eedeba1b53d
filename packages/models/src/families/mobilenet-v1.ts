import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, ReLU, Sequential } from '@dyrep/nn';
import { ImageModel, type FeatureInfo } from '../image-model';
import { scaleChannels, type ResolvedModelOptions } from '../options';

/** MobileNetV1's 13 depthwise-separable blocks as `[outChannels, stride]` (Howard et al., 2017, Table 1). */
export const MOBILENET_V1_BLOCKS: readonly (readonly [number, number])[] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

/**
 * MobileNetV1: `features.0` is the stem (`features.0.0` 3×3 conv → `.1` BN → `.2` ReLU, 32
 * channels), `features.1`..`features.13` the depthwise-separable blocks (`.0` depthwise 3×3 conv
 * → `.1` BN → `.2` ReLU → `.3` pointwise 1×1 conv → `.4` BN → `.5` ReLU), then `avgpool` and
 * `classifier` (Linear `1024·width → numClasses`). Convs have no bias. The `imagenet` stem has
 * stride 2 (reduction 32; 4,231,976 parameters at width 1, 1000 classes), the `cifar` stem stride 1
 * (reduction 16). Stage outputs are the last block of each resolution.
 */
export class MobileNetV1 extends ImageModel {
  constructor(options: ResolvedModelOptions) {
    super(options);
    const { width, stem, inChannels, numClasses } = options;
    const features = new Sequential();
    const stemStride = stem === 'imagenet' ? 2 : 1;
    let cin = scaleChannels(32, width);
    features.append(new Sequential(new Conv2d({ inChannels, outChannels: cin, kernelSize: 3, stride: stemStride, padding: 1 }), new BatchNorm2d(cin), new ReLU()));
    let reduction = stemStride;
    const featureInfo: FeatureInfo[] = [];
    MOBILENET_V1_BLOCKS.forEach(([c, stride], i) => {
      const cout = scaleChannels(c, width);
      features.append(
        new Sequential(
          new Conv2d({ inChannels: cin, outChannels: cin, kernelSize: 3, stride, padding: 1, groups: cin }),
          new BatchNorm2d(cin),
          new ReLU(),
          new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: 1 }),
          new BatchNorm2d(cout),
          new ReLU(),
        ),
      );
      reduction *= stride;
      cin = cout;
      const next = MOBILENET_V1_BLOCKS[i + 1];
      if (!next || next[1] > 1) featureInfo.push({ module: `features.${i + 1}`, channels: cout, reduction });
    });
    this.registerModule('features', features);
    this.registerModule('avgpool', new GlobalAvgPool());
    this.registerModule('classifier', new Linear(cin, numClasses));
    this.setLayout({
      trunk: features.namedChildren().map(([name]) => `features.${name}`),
      head: ['avgpool', 'classifier'],
      featureInfo,
      numFeatures: cin,
    });
  }
}
