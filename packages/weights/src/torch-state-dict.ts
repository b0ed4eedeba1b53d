import { BatchNorm2d, Conv2d, Identity, Linear, type Module } from '@dyrep/nn';
import { ImageModel } from '@dyrep/models';
import { outermostRepBlocks } from '@dyrep/rep-blocks';
import { pretrainedArchitecture, type InputNormalization } from './architectures';
import { NORMALIZATION_METADATA_KEY } from './load-pretrained';
import { encodeSafetensors, type TensorToWrite } from './safetensors';
import { TORCH_BN_EPS, layoutOf, toTorch } from './torch-layout';

/**
 * The deployed network of `model` as a PyTorch state dict in its architecture's naming and layout
 * (tensors in module order): every rep-block fused to one conv, a fused conv bias moved into the
 * following BatchNorm's running mean (`μ' = μ − b`, exact) where the PyTorch conv has no bias,
 * a BatchNorm that deployment folded away (an `Identity`) written as the neutral BN carrying the
 * bias, Linear weights transposed (and reordered for an NCHW flatten), BN `num_batches_tracked`
 * written as 0; in the library's module structure where it differs from ours
 * (the architecture's `toCheckpoint`: timm RepVGG's branches). `model` is not changed.
 * Throws when a parameter has no place in the layout.
 */
export function torchStateDict(model: Module, architecture: string): Map<string, TensorToWrite> {
  const arch = pretrainedArchitecture(architecture);
  const blocks = outermostRepBlocks(model);
  const fused = new Map<string, Conv2d>(blocks.map((b) => [b.path, b.block.toConv()]));
  try {
    const insideBlock = (path: string) => blocks.some((b) => path.startsWith(`${b.path}.`));
    const modules = model
      .namedModules()
      .filter(([path]) => path && !insideBlock(path))
      .map(([path, m]): [string, Module] => [path, fused.get(path) ?? m]);
    const byPath = new Map(modules);
    const biasInto = new Map<string, Float32Array>();
    for (const [path, m] of modules) {
      if (!(m instanceof Conv2d) || !m.bias || arch.convBias) continue;
      const bn = arch.bnAfter(path);
      const target = bn === null ? undefined : byPath.get(bn);
      if (!(target instanceof BatchNorm2d) && !(target instanceof Identity)) {
        throw new Error(`torchStateDict: conv '${path}' has a bias, which ${arch.counterpart} has no place for (no BatchNorm follows it)`);
      }
      biasInto.set(bn!, m.bias.dataSync() as Float32Array);
    }
    const neutralAfter = new Set(
      modules
        .filter(([, m]) => m instanceof Conv2d)
        .map(([p]) => arch.bnAfter(p))
        .filter((p): p is string => p !== null && byPath.get(p) instanceof Identity),
    );
    const flattened = 'numFeatures' in model ? arch.flattenedInputs(model as ImageModel) : {};
    const out = new Map<string, TensorToWrite>();
    const put = (path: string, leaf: string, values: Float32Array | number[], shape: number[], dtype: TensorToWrite['dtype'] = 'F32') => {
      out.set(arch.keyOf(`${path}.${leaf}`), { dtype, shape, values });
    };
    for (const [path, m] of modules) {
      if (m instanceof Conv2d) {
        const layout = layoutOf(m, 'weight');
        const [kh, kw, cin, cout] = m.weight.shape;
        put(path, 'weight', toTorch(m.weight, layout), [cout, cin, kh, kw]);
        if (arch.convBias) put(path, 'bias', m.bias ? Float32Array.from(m.bias.dataSync()) : new Float32Array(cout), [cout]);
      } else if (m instanceof BatchNorm2d) {
        const c = m.numFeatures;
        const shift = biasInto.get(path);
        const mean = Float32Array.from(m.runningMean.dataSync(), (v, i) => v - (shift ? shift[i] : 0));
        const variance = Float32Array.from(m.runningVar.dataSync(), (v) => v + m.eps - TORCH_BN_EPS);
        put(path, 'weight', Float32Array.from(m.weight.dataSync()), [c]);
        put(path, 'bias', Float32Array.from(m.bias.dataSync()), [c]);
        put(path, 'running_mean', mean, [c]);
        put(path, 'running_var', variance, [c]);
        put(path, 'num_batches_tracked', [0], [], 'I64');
      } else if (m instanceof Identity && neutralAfter.has(path)) {
        const conv = modules.find(([p, c]) => c instanceof Conv2d && arch.bnAfter(p) === path)![1] as Conv2d;
        const c = conv.outChannels;
        put(path, 'weight', new Float32Array(c).fill(1), [c]);
        put(path, 'bias', biasInto.get(path) ?? new Float32Array(c), [c]);
        put(path, 'running_mean', new Float32Array(c), [c]);
        put(path, 'running_var', new Float32Array(c).fill(1 - TORCH_BN_EPS), [c]);
        put(path, 'num_batches_tracked', [0], [], 'I64');
      } else if (m instanceof Linear) {
        put(path, 'weight', toTorch(m.weight, layoutOf(m, 'weight', flattened[path])), [m.outFeatures, m.inFeatures]);
        if (m.bias) put(path, 'bias', Float32Array.from(m.bias.dataSync()), [m.outFeatures]);
      } else if (m.namedParameters().length || m.namedBuffers().length) {
        const own = [...m.namedParameters(), ...m.namedBuffers()].filter(([k]) => !k.includes('.'));
        if (own.length) throw new Error(`torchStateDict: '${path}' (${m.constructor.name}) has no ${arch.counterpart} counterpart`);
      }
    }
    return arch.toCheckpoint ? arch.toCheckpoint(out) : out;
  } finally {
    for (const conv of fused.values()) conv.dispose();
  }
}

/** Options of {@link toTorchSafetensors}. */
export interface TorchSafetensorsOptions {
  /** Registry name of the model, e.g. `resnet18`. */
  architecture: string;
  /** Input normalisation the network expects, recorded in the metadata (`dyrep.normalization`). */
  normalization?: InputNormalization;
  /** More string metadata. */
  metadata?: Record<string, string>;
}

/**
 * Safetensors bytes of the deployed network of `model` in PyTorch naming and layout (see
 * {@link torchStateDict}): `model.load_state_dict(safetensors.torch.load_file(f), strict=True)` on the
 * matching PyTorch architecture gives the same eval-mode logits. Metadata: `format: pt`,
 * `dyrep.architecture`, `dyrep.model-options` (JSON numClasses/inChannels/width/stem of an
 * image model), `dyrep.normalization` when given, then `options.metadata`.
 */
export function toTorchSafetensors(model: Module, options: TorchSafetensorsOptions): Uint8Array {
  const metadata: Record<string, string> = { format: 'pt', 'dyrep.architecture': options.architecture };
  if (model instanceof ImageModel) {
    const { numClasses, inChannels, width, stem } = model.options;
    metadata['dyrep.model-options'] = JSON.stringify({ numClasses, inChannels, width, stem });
  }
  Object.assign(metadata, options.metadata);
  if (options.normalization) metadata[NORMALIZATION_METADATA_KEY] = JSON.stringify({ mean: options.normalization.mean, std: options.normalization.std });
  return encodeSafetensors(torchStateDict(model, options.architecture), metadata);
}
