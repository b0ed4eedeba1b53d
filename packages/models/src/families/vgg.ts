import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Flatten, GlobalAvgPool, Linear, MaxPool2d, ReLU, Sequential } from '@dyrep/nn';
import { ImageModel, type FeatureInfo } from '../image-model';
import { scaleChannels, type ResolvedModelOptions } from '../options';

/** A VGG layer list: a number is a 3×3 conv–BN–ReLU with that many channels, `'M'` a 2×2 max-pool. */
export type VggConfig = readonly (number | 'M')[];

/** VGG-16 ("configuration D" of Simonyan & Zisserman): 13 convs in 5 pooled stages. */
export const VGG16_CONFIG: VggConfig = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

/** The `features` Sequential of a VGG with BN, its stage table, output channels and total reduction. */
function vggFeatures(config: VggConfig, options: ResolvedModelOptions, convBias: boolean) {
  const features = new Sequential();
  const featureInfo: FeatureInfo[] = [];
  let cin = options.inChannels;
  let reduction = 1;
  for (const item of config) {
    if (item === 'M') {
      features.append(new MaxPool2d(2, { stride: 2 }));
      reduction *= 2;
      featureInfo.push({ module: `features.${features.namedChildren().length - 1}`, channels: cin, reduction });
    } else {
      const cout = scaleChannels(item, options.width);
      features.append(new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: 3, padding: 1, bias: convBias }));
      features.append(new BatchNorm2d(cout));
      features.append(new ReLU());
      cin = cout;
    }
  }
  return { features, featureInfo, channels: cin, reduction, trunk: features.namedChildren().map(([name]) => `features.${name}`) };
}

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
    const { features, featureInfo, channels, reduction, trunk } = vggFeatures(config, options, false);
    this.registerModule('features', features);
    this.registerModule('avgpool', new GlobalAvgPool());
    this.registerModule('classifier', new Linear(channels, options.numClasses));
    this.setLayout({ trunk, head: ['avgpool', 'classifier'], featureInfo, numFeatures: channels, minInputSize: reduction });
  }
}

/**
 * torchvision's VGG with BatchNorm (`vgg16_bn`), with its module paths: `features` as in {@link Vgg}
 * but the convs **have** a bias; `avgpool` an adaptive average pool to 7×7; `flatten` (no
 * parameters; our NHWC order, mapped to PyTorch's NCHW one by `@dyrep/weights`); `classifier`
 * = `0` Linear `512·7·7 → 4096`, `1` ReLU, `2` Dropout(0.5), `3` Linear `4096 → 4096`, `4` ReLU,
 * `5` Dropout(0.5), `6` Linear `4096 → numClasses`. `width` scales every conv and the 4096 hidden
 * units. At width 1 with 1000 classes: 138,365,992 parameters, as torchvision. Inputs ≥ 32×32.
 */
export class TorchvisionVgg extends ImageModel {
  constructor(config: VggConfig, options: ResolvedModelOptions) {
    super(options);
    const { features, featureInfo, channels, reduction, trunk } = vggFeatures(config, options, true);
    const pool = 7;
    const hidden = scaleChannels(4096, options.width);
    this.registerModule('features', features);
    this.registerModule('avgpool', new AdaptiveAvgPool2d(pool));
    this.registerModule('flatten', new Flatten());
    this.registerModule(
      'classifier',
      new Sequential(new Linear(channels * pool * pool, hidden), new ReLU(), new Dropout(0.5), new Linear(hidden, hidden), new ReLU(), new Dropout(0.5), new Linear(hidden, options.numClasses)),
    );
    this.setLayout({ trunk, head: ['avgpool', 'flatten', 'classifier'], featureInfo, numFeatures: channels, minInputSize: reduction });
  }
}
