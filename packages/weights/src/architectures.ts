import { timmMobileNetV1 } from './timm-mobilenet-v1';
import { timmRepVggA0 } from './timm-repvgg';
import { resnet, vgg16Bn } from './torchvision';
import type { PretrainedArchitecture } from './pretrained-architecture';

export { IMAGENET_NORMALIZATION, INCEPTION_NORMALIZATION } from './pretrained-architecture';
export type { CheckpointInOurLayout, InputNormalization, PretrainedArchitecture } from './pretrained-architecture';

const ARCHITECTURES: ReadonlyMap<string, PretrainedArchitecture> = new Map(
  [resnet('resnet18'), resnet('resnet34'), resnet('resnet50'), vgg16Bn, timmMobileNetV1, timmRepVggA0].map((a) => [a.model, a]),
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
