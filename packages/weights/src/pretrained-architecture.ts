// How a registry model's parameters are named and arranged in a PyTorch library.
import type { ImageModel } from '@dyrep/models';
import type { SafetensorsFile, TensorToWrite } from './safetensors';

/** Per-channel input normalisation `(x − mean) / std` of images in [0, 1]. */
export interface InputNormalization {
  mean: readonly number[];
  std: readonly number[];
}

/** The ImageNet statistics torchvision and timm checkpoints are trained with. */
export const IMAGENET_NORMALIZATION: Readonly<InputNormalization> = Object.freeze({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });

/** Inception-style normalisation to [−1, 1] (timm's `IMAGENET_INCEPTION_MEAN/STD`), e.g. of timm's `mobilenetv1_100` weights. */
export const INCEPTION_NORMALIZATION: Readonly<InputNormalization> = Object.freeze({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });

/** What {@link PretrainedArchitecture.fromCheckpoint} made of a file. */
export interface CheckpointInOurLayout {
  /** The file with its tensors rewritten into the one-to-one layout `keyOf` names (F32). */
  file: SafetensorsFile;
  /** Reasons some tensors could not be rewritten (PyTorch keys), for the loader's one-line error. */
  problems: string[];
}

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
  /**
   * For a PyTorch module structure that differs from ours (timm's training-time RepVGG blocks):
   * rewrites a checkpoint into the one-to-one layout `keyOf` names, function-preserving in eval
   * mode, before the strict matching. Absent: the file is used as is.
   */
  fromCheckpoint?(file: SafetensorsFile): CheckpointInOurLayout;
  /** The reverse of {@link fromCheckpoint} for export: a one-to-one state dict (module order) → the PyTorch structure. */
  toCheckpoint?(state: Map<string, TensorToWrite>): Map<string, TensorToWrite>;
}

/** A `keyOf` that renames the module part of a state-dict path and keeps its leaf (`weight`, `running_mean`, …). */
export function renamingModules(rename: (modulePath: string) => string): (path: string) => string {
  return (path) => {
    const dot = path.lastIndexOf('.');
    return `${rename(path.slice(0, dot))}${path.slice(dot)}`;
  };
}
