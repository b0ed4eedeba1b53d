import { BatchNorm2d, Conv2d, ReLU, Sequential } from '@dyrep/nn';

/** k×k conv (no bias, padding k/2) → BN → ReLU as a Sequential with children `conv`, `bn`, `relu`. */
export function convBnRelu(cin: number, cout: number, kernelSize: number, stride: number, groups = 1): Sequential {
  return new Sequential({
    conv: new Conv2d({ inChannels: cin, outChannels: cout, kernelSize, stride, padding: Math.floor(kernelSize / 2), groups }),
    bn: new BatchNorm2d(cout),
    relu: new ReLU(),
  });
}
