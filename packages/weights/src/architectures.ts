import type { ImageModel } from '@dyrep/models';

/** Per-channel input normalisation `(x − mean) / std` of images in [0, 1]. */
export interface InputNormalization {
  mean: readonly number[];
  std: readonly number[];
}

/** The ImageNet statistics torchvision and timm checkpoints are trained with. */
export const IMAGENET_NORMALIZATION: Readonly<InputNormalization> = Object.freeze({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });

/**
 * How a registry model's parameters are named and arranged in the PyTorch library whose
 * checkpoints it reads and writes. Paths are our state-dict paths.
 */
export interface PretrainedArchitecture {
  /** Registry model name. */
  model: string;
  /** Whose naming the checkpoints use. */
  naming: 'torchvision' | 'timm';
  /** The PyTorch class (for messages and docs), e.g. `torchvision.models.resnet18`. */
  counterpart: string;
  /** PyTorch key of one of our state-dict paths. */
  keyOf(path: string): string;
  /** Module path of the stem conv (adapted to another input channel count on request). */
  stem: string;
  /** Module path of the classifier (replaced by `resetHead`). */
  head: string;
  /** True when the PyTorch convs carry a bias (VGG); else a fused conv bias moves into the following BN. */
  convBias: boolean;
  /** Module path of the BatchNorm that follows conv `path` in PyTorch, or null. */
  bnAfter(path: string): string | null;
  /** Linears fed by a flattened feature map in PyTorch: module path → `[h, w, c]` of that map. */
  flattenedInputs(model: ImageModel): Record<string, [number, number, number]>;
  /** Input normalisation of checkpoints that do not say otherwise. */
  normalization: Readonly<InputNormalization>;
}

const same = (path: string): string => path;

/** conv1 → bn1, layer1.0.conv2 → layer1.0.bn2, layer2.0.downsample.0 → layer2.0.downsample.1. */
function resnetBnAfter(path: string): string | null {
  const conv = /^(.*?)conv(\d)$/.exec(path);
  if (conv) return `${conv[1]}bn${conv[2]}`;
  const down = /^(.*\.downsample\.)0$/.exec(path);
  return down ? `${down[1]}1` : null;
}

function resnet(model: 'resnet18' | 'resnet34' | 'resnet50'): PretrainedArchitecture {
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

const vgg16Bn: PretrainedArchitecture = {
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

const ARCHITECTURES: ReadonlyMap<string, PretrainedArchitecture> = new Map(
  [resnet('resnet18'), resnet('resnet34'), resnet('resnet50'), vgg16Bn].map((a) => [a.model, a]),
);

/** Registry models with a PyTorch counterpart whose checkpoints can be read and written. */
export function listPretrainedArchitectures(): string[] {
  return [...ARCHITECTURES.keys()].sort();
}

/** The mapping of registry model `model`; throws naming the supported ones. */
export function pretrainedArchitecture(model: string): PretrainedArchitecture {
  const a = ARCHITECTURES.get(model);
  if (!a) throw new Error(`no PyTorch mapping for model '${model}'; models with one: ${listPretrainedArchitectures().join(', ')}`);
  return a;
}
