import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, MaxPool2d, ReLU, Sequential } from '@dyrep/nn';
import { ImageModel, type FeatureInfo } from '../image-model';
import { scaleChannels, type ResolvedModelOptions } from '../options';

/** A VGG layer list: a number is a 3×3 conv–BN–ReLU with that many channels, `'M'` a 2×2 max-pool. */
export type VggConfig = readonly (number | 'M')[];

/** VGG-16 ("configuration D" of Simonyan & Zisserman): 13 convs in 5 pooled stages. */
export const VGG16_CONFIG: VggConfig = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

/**
 * CIFAR VGG with BatchNorm: `features` is one positional Sequential of 3×3 conv (padding 1,
 * **no bias**) → BN → ReLU triples and 2×2 max-pools (`features.0` is the first conv, `features.6`
 * the first pool for VGG-16), then `avgpool` (global average; on 32×32 input the map is 1×1, so this
 * equals the usual flatten) and `classifier`, a single Linear `512·width → numClasses`.
 *
 * Variant: the conv → BN pairs of the DBB/DyRep code, without the conv biases that
 * torchvision's `vgg16_bn` and the pytorch-cifar VGG carry (a bias before a training-mode BN gets no
 * gradient). VGG-16 at width 1 with 10 classes has 14,724,042 parameters (14,728,266 with biases).
 * Needs inputs of at least 32×32 (five halvings).
 */
export class Vgg extends ImageModel {
  constructor(config: VggConfig, options: ResolvedModelOptions) {
    super(options);
    const { width, inChannels, numClasses } = options;
    const features = new Sequential();
    const featureInfo: FeatureInfo[] = [];
    let cin = inChannels;
    let reduction = 1;
    for (const item of config) {
      if (item === 'M') {
        features.append(new MaxPool2d(2, { stride: 2 }));
        reduction *= 2;
        featureInfo.push({ module: `features.${features.namedChildren().length - 1}`, channels: cin, reduction });
      } else {
        const cout = scaleChannels(item, width);
        features.append(new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: 3, padding: 1 }));
        features.append(new BatchNorm2d(cout));
        features.append(new ReLU());
        cin = cout;
      }
    }
    this.registerModule('features', features);
    this.registerModule('avgpool', new GlobalAvgPool());
    this.registerModule('classifier', new Linear(cin, numClasses));
    this.setLayout({
      trunk: features.namedChildren().map(([name]) => `features.${name}`),
      head: ['avgpool', 'classifier'],
      featureInfo,
      numFeatures: cin,
      minInputSize: reduction,
    });
  }
}
