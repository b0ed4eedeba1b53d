// timm's naming and training-time structure of RepVGG-A0 (`timm.models.byobnet`, model `repvgg_a0`).
import * as tf from '@tensorflow/tfjs-core';
import { addParallel, fuseConvBn, identityKernel, padKernelToKxk, type BnStatistics, type FusedKernel } from '@dyrep/rep-blocks';
import { decodeToFloat32, isFloatDtype } from './dtypes';
import { IMAGENET_NORMALIZATION, type CheckpointInOurLayout, renamingModules, type PretrainedArchitecture } from './pretrained-architecture';
import type { SafetensorsEntry, SafetensorsFile, TensorToWrite } from './safetensors';
import { TORCH_BN_EPS, fromTorch, toTorch } from './torch-layout';

const BN_LEAVES = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** Our layer → timm's block: `stage0` → `stem`, `stageK.i` → `stages.{K−1}.i`; `linear` → `head.fc`. */
function timmModule(path: string): string {
  if (path === 'linear') return 'head.fc';
  const m = /^stage(\d+)(?:\.(\d+))?\.(conv|bn)$/.exec(path);
  if (!m) return path;
  const block = m[2] === undefined ? 'stem' : `stages.${Number(m[1]) - 1}.${m[2]}`;
  return `${block}.conv_kxk.${m[3]}`;
}

/** timm gives a block an identity (BN) branch when it keeps channels and resolution: every block but a stage's first (and the stem). */
function hasIdentity(block: string): boolean {
  return /^stages\.\d+\.[1-9]\d*$/.test(block);
}

const entry = (values: Float32Array, shape: number[]): SafetensorsEntry => ({ dtype: 'F32', shape, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });

/**
 * One timm RepVGG block (`conv_kxk` conv+BN ∥ `conv_1x1` conv+BN ∥ `identity` BN, summed) as our
 * conv (no bias) + BN, exact in eval mode: the kernel is the three branches fused (`fuseConvBn`,
 * `padKernelToKxk`, `identityKernel`, `addParallel` of @dyrep/rep-blocks), and the BN carries the
 * fused bias with statistics that describe the fused conv's output, so that training mode starts
 * near the checkpoint's function too: per channel, with `a_b = γ_b/√(var_b + ε)` per branch,
 * `μ = Σ a_b·μ_b`, `var = Σ a_b²·var_b` (branches taken as uncorrelated), `γ = √(var + ε)` and
 * `β = Σ β_b`, so `γ(Kx − μ)/√(var + ε) + β = Kx − μ + Σ β_b`, the block's eval-mode output.
 * A block saved after timm's `reparameterize()` (`reparam_conv` with a bias) loads with a neutral
 * BN (γ = 1, β = bias, μ = 0, var = 1 − ε).
 */
function fuseBlock(get: (leaf: string) => Float32Array, shapes: (leaf: string) => number[], block: string, deployed: boolean): Map<string, SafetensorsEntry> {
  const out = new Map<string, SafetensorsEntry>();
  const kxkShape = shapes(deployed ? 'reparam_conv.weight' : 'conv_kxk.conv.weight');
  const [o] = kxkShape;
  const bn = (values: Record<(typeof BN_LEAVES)[number], Float32Array>) => {
    for (const leaf of BN_LEAVES) out.set(`${block}.conv_kxk.bn.${leaf}`, entry(values[leaf], [o]));
  };
  if (deployed) {
    out.set(`${block}.conv_kxk.conv.weight`, entry(get('reparam_conv.weight'), kxkShape));
    bn({ weight: new Float32Array(o).fill(1), bias: get('reparam_conv.bias'), running_mean: new Float32Array(o), running_var: new Float32Array(o).fill(1 - TORCH_BN_EPS) });
    return out;
  }
  const branches = ['conv_kxk', 'conv_1x1', ...(hasIdentity(block) ? ['identity'] : [])];
  const bnPrefix = (b: string) => (b === 'identity' ? 'identity' : `${b}.bn`);
  const k = kxkShape[2];
  const kernel = tf.tidy(() => {
    const stats = (b: string): BnStatistics => {
      const [gamma, beta, mean, variance] = BN_LEAVES.map((leaf) => tf.tensor1d(get(`${bnPrefix(b)}.${leaf}`)));
      return { gamma, beta, mean, variance, eps: TORCH_BN_EPS } as BnStatistics;
    };
    const parts: FusedKernel[] = branches.map((b) => {
      if (b === 'identity') return fuseConvBn(identityKernel(o, k), null, stats(b));
      const w = fromTorch(get(`${b}.conv.weight`), shapes(`${b}.conv.weight`), { kind: 'conv' }) as tf.Tensor4D;
      return fuseConvBn(b === 'conv_1x1' ? padKernelToKxk(w, k) : w, null, stats(b));
    });
    return addParallel(parts).kernel;
  });
  out.set(`${block}.conv_kxk.conv.weight`, entry(toTorch(kernel, { kind: 'conv' }), kxkShape));
  kernel.dispose();
  const mean = new Float32Array(o);
  const variance = new Float32Array(o);
  const beta = new Float32Array(o);
  for (const b of branches) {
    const [g, bt, mu, v] = BN_LEAVES.map((leaf) => get(`${bnPrefix(b)}.${leaf}`));
    for (let c = 0; c < o; c++) {
      const a = g[c] / Math.sqrt(v[c] + TORCH_BN_EPS);
      mean[c] += a * mu[c];
      variance[c] += a * a * v[c];
      beta[c] += bt[c];
    }
  }
  bn({ weight: Float32Array.from(variance, (v) => Math.sqrt(v + TORCH_BN_EPS)), bias: beta, running_mean: mean, running_var: variance });
  return out;
}

/** The PyTorch keys a block of either form must have, relative to the block. */
function blockKeys(block: string, deployed: boolean): string[] {
  if (deployed) return ['reparam_conv.weight', 'reparam_conv.bias'];
  const bnKeys = (p: string) => BN_LEAVES.map((l) => `${p}.${l}`);
  return ['conv_kxk.conv.weight', ...bnKeys('conv_kxk.bn'), 'conv_1x1.conv.weight', ...bnKeys('conv_1x1.bn'), ...(hasIdentity(block) ? bnKeys('identity') : [])];
}

/** Why the branches of a block cannot be summed (shapes that do not fit together), or null. */
function branchShapeProblem(block: string, shapes: (leaf: string) => number[], deployed: boolean): string | null {
  const main = shapes(deployed ? 'reparam_conv.weight' : 'conv_kxk.conv.weight');
  const [o, i, kh, kw] = main;
  if (main.length !== 4 || kh !== kw || kh % 2 !== 1) return `${block}: the kxk kernel is [${main}], not [out, in, k, k] with k odd`;
  const expected: [string, number[]][] = deployed
    ? [['reparam_conv.bias', [o]]]
    : [
        ['conv_1x1.conv.weight', [o, i, 1, 1]],
        ...blockKeys(block, false)
          .filter((k) => !k.endsWith('conv.weight'))
          .map((k): [string, number[]] => [k, [o]]),
      ];
  for (const [key, shape] of expected) {
    const got = shapes(key);
    if (got.length !== shape.length || got.some((d, j) => d !== shape[j])) return `${block}.${key} is [${got}], the block's kxk kernel [${main}] needs [${shape}]`;
  }
  if (!deployed && hasIdentity(block) && o !== i) return `${block} has an identity branch but its kernel maps ${i} to ${o} channels`;
  return null;
}

/** A key of a timm RepVGG block (`stem`, `stages.S.I`) and the block. */
const BLOCK_KEY = /^(stem|stages\.\d+\.\d+)\.(?:conv_kxk|conv_1x1|identity|reparam_conv)\./;

/**
 * timm's RepVGG checkpoint → our one-to-one layout: every block of the file (`stem`,
 * `stages.S.I`; training-time branches or `reparam_conv`) fused by {@link fuseBlock}.
 * Incomplete blocks, non-float tensors and branches that do not fit together are problems; keys
 * that belong to no block's expected set (an identity branch timm does not have there) stay as
 * they are, so the strict matching reports them.
 */
function fromCheckpoint(file: SafetensorsFile): CheckpointInOurLayout {
  const tensors = new Map(file.tensors);
  const problems: string[] = [];
  const blocks = new Set([...file.tensors.keys()].map((k) => BLOCK_KEY.exec(k)?.[1]).filter((b): b is string => b !== undefined));
  for (const block of blocks) {
    const deployed = file.tensors.has(`${block}.reparam_conv.weight`);
    const keys = blockKeys(block, deployed).map((k) => `${block}.${k}`);
    const problem = blockProblem(file, block, keys, deployed);
    // The other branches are consumed either way: a broken block is reported once, here.
    for (const k of keys) if (!k.startsWith(`${block}.conv_kxk.`)) tensors.delete(k);
    if (problem) {
      problems.push(problem);
      continue;
    }
    const get = (leaf: string) => {
      const e = file.tensors.get(`${block}.${leaf}`)!;
      return decodeToFloat32(
        e.bytes,
        e.dtype,
        e.shape.reduce((a, b) => a * b, 1),
      );
    };
    for (const [k, v] of fuseBlock(get, (leaf) => file.tensors.get(`${block}.${leaf}`)!.shape, block, deployed)) tensors.set(k, v);
  }
  return { file: { source: file.source, tensors, metadata: file.metadata }, problems };
}

/** Why `block` of `file` cannot be fused: absent keys, non-float tensors, branches that do not fit together; or null. */
function blockProblem(file: SafetensorsFile, block: string, keys: string[], deployed: boolean): string | null {
  const absent = keys.filter((k) => !file.tensors.has(k));
  if (absent.length) return `${block} is incomplete: no ${absent.join(', ')}`;
  const nonFloat = keys.filter((k) => !isFloatDtype(file.tensors.get(k)!.dtype));
  if (nonFloat.length) return `${nonFloat.map((k) => `${k} (${file.tensors.get(k)!.dtype})`).join(', ')} not float`;
  return branchShapeProblem(block, (leaf) => file.tensors.get(`${block}.${leaf}`)!.shape, deployed);
}

/**
 * Our one-to-one state dict → timm's training-time structure, exact: each block's deployed conv
 * and BN become `conv_kxk`, and the `conv_1x1` and `identity` branches timm's `repvgg_a0` also has
 * are written as zero branches (zero 1×1 kernel; BN γ = β = μ = 0, var = 1), which add nothing.
 * `load_state_dict(strict=True)` then works on `timm.create_model('repvgg_a0')`, whose
 * `reparameterize()` gives back the single conv.
 */
function toCheckpoint(state: Map<string, TensorToWrite>): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  const zeroBn = (prefix: string, c: number) => {
    out.set(`${prefix}.weight`, { dtype: 'F32', shape: [c], values: new Float32Array(c) });
    out.set(`${prefix}.bias`, { dtype: 'F32', shape: [c], values: new Float32Array(c) });
    out.set(`${prefix}.running_mean`, { dtype: 'F32', shape: [c], values: new Float32Array(c) });
    out.set(`${prefix}.running_var`, { dtype: 'F32', shape: [c], values: new Float32Array(c).fill(1) });
    out.set(`${prefix}.num_batches_tracked`, { dtype: 'I64', shape: [], values: [0] });
  };
  for (const [key, t] of state) {
    const m = /^(.*)\.conv_kxk\.conv\.weight$/.exec(key);
    if (m && hasIdentity(m[1])) zeroBn(`${m[1]}.identity`, t.shape[0]);
    out.set(key, t);
    const bnEnd = /^(.*)\.conv_kxk\.bn\.num_batches_tracked$/.exec(key);
    if (!bnEnd) continue;
    const [o, i] = state.get(`${bnEnd[1]}.conv_kxk.conv.weight`)!.shape;
    out.set(`${bnEnd[1]}.conv_1x1.conv.weight`, { dtype: 'F32', shape: [o, i, 1, 1], values: new Float32Array(o * i) });
    zeroBn(`${bnEnd[1]}.conv_1x1.bn`, o);
  }
  return out;
}

/**
 * `repvgg_a0` in timm's naming and training-time structure (`timm.create_model('repvgg_a0')`):
 * our `stage0` is timm's `stem`, `stageK.i` is `stages.{K−1}.i`, `linear` is `head.fc`. Each of
 * our conv + BN layers is one timm `RepVggBlock`: reading fuses its branches exactly
 * ({@link fromCheckpoint}), writing puts the trained conv in `conv_kxk` and zero 1×1 and identity
 * branches beside it ({@link toCheckpoint}).
 */
export const timmRepVggA0: PretrainedArchitecture = {
  model: 'repvgg_a0',
  naming: 'timm',
  counterpart: 'timm repvgg_a0',
  keyOf: renamingModules(timmModule),
  stem: 'stage0.conv',
  head: 'linear',
  convBias: false,
  bnAfter: (path) => (path.endsWith('.conv') ? `${path.slice(0, -'.conv'.length)}.bn` : null),
  flattenedInputs: () => ({}),
  normalization: IMAGENET_NORMALIZATION,
  fromCheckpoint,
  toCheckpoint,
};
