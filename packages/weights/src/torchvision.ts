// torchvision's naming and layout of resnet18/34/50 and vgg16_bn.
import { IMAGENET_NORMALIZATION, type PretrainedArchitecture } from './pretrained-architecture';

const same = (path: string): string => path;

/** conv1 → bn1, layer1.0.conv2 → layer1.0.bn2, layer2.0.downsample.0 → layer2.0.downsample.1. */
function resnetBnAfter(path: string): string | null {
  const conv = /^(.*?)conv(\d)$/.exec(path);
  if (conv) return `${conv[1]}bn${conv[2]}`;
  const down = /^(.*\.downsample\.)0$/.exec(path);
  return down ? `${down[1]}1` : null;
}

/** torchvision's `resnet18/34/50`: names identical to ours. */
export function resnet(model: 'resnet18' | 'resnet34' | 'resnet50'): PretrainedArchitecture {
  return {
    model,
    naming: 'torchvision',
    counterpart: `torchvision.models.${model}`,
    keyOf: same,
    stem: 'conv1',
    head: 'fc',
    convBias: false,
    bnAfter: resnetBnAfter,
    flattenedInputs: () => ({}),
    normalization: IMAGENET_NORMALIZATION,
  };
}

/** torchvision's VGG head: adaptive average pool to 7×7, flattened (c, h, w) into `classifier.0`. */
const VGG_POOL = 7;

/** torchvision's `vgg16_bn`: conv biases, `classifier.0` fed by a 7×7×C map flattened NCHW. */
export const vgg16Bn: PretrainedArchitecture = {
  model: 'vgg16_bn',
  naming: 'torchvision',
  counterpart: 'torchvision.models.vgg16_bn',
  keyOf: same,
  stem: 'features.0',
  head: 'classifier.6',
  convBias: true,
  bnAfter: (path) => {
    const m = /^features\.(\d+)$/.exec(path);
    return m ? `features.${Number(m[1]) + 1}` : null;
  },
  flattenedInputs: (model) => ({ 'classifier.0': [VGG_POOL, VGG_POOL, model.numFeatures] }),
  normalization: IMAGENET_NORMALIZATION,
};
