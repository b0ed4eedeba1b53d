import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, ReLU, Sequential } from '@dyrep/nn';

/**
 * A small conv net for plugin tests: `features` = [conv3×3 → BN → ReLU] × 2 (the second with stride 2),
 * then global average pooling and a linear classifier. Growable convs: `features.0`, `features.3`.
 */
export function tinyConvNet(inChannels = 1, numClasses = 4, width = 8): Sequential {
  return new Sequential({
    features: new Sequential(
      new Conv2d({ inChannels, outChannels: width, kernelSize: 3, padding: 1 }),
      new BatchNorm2d(width),
      new ReLU(),
      new Conv2d({ inChannels: width, outChannels: width, kernelSize: 3, stride: 2, padding: 1 }),
      new BatchNorm2d(width),
      new ReLU(),
    ),
    pool: new GlobalAvgPool(),
    fc: new Linear(width, numClasses),
  });
}
