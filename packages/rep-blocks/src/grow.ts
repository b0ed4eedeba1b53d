import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, type BatchNorm2dOptions, type Module, type Rng } from '@dyrep/nn';
import { normalizeGeometry, type BlockGeometry, type BranchKind } from './branches';
import type { PresetName } from './presets';
import { recalibrateBn } from './recalibrate-bn';
import { DEFAULT_MAX_DEPTH, RepBlock, isRepBlock } from './rep-block';
import { DEFAULT_GATE } from './branch-init';

/** Options of {@link growConv}. */
export interface GrowOptions {
  /** Branches of the new block: preset or explicit kinds incl. `kxk` (default `full`: every valid branch). */
  branches?: PresetName | Iterable<BranchKind>;
  /** γ of the last BN of every new branch (default 0.01). */
  gate?: number;
  /**
   * `preserving` (default): the block computes what the conv computed (below). `fresh`: the
   * authors' static DBB baseline: a new block with PyTorch's default initialisation and BN γ = 1,
   * β = 0 in every branch, ignoring the conv's weights and `gate` (not function-preserving; meant
   * for before training).
   */
  init?: 'preserving' | 'fresh';
  /** Nesting depth of the new block (default 0; {@link growAt} computes it). */
  depth?: number;
  /** Maximum nesting levels (default 2). */
  maxDepth?: number;
  /** BatchNorm options of the new BNs. */
  bn?: BatchNorm2dOptions;
  /** Source for the He-normal initialisation (default: the global one). */
  rng?: Rng;
  /**
   * Inputs of the conv (NHWC batches) to recalibrate the new branches' BN running statistics on
   * before `kxk` is set (spec §5, optional); borrowed.
   */
  calibrationInputs?: Iterable<tf.Tensor>;
}

/**
 * Why a conv cannot become a rep-block (non-square kernel, k = 1, dilation, unequal strides,
 * asymmetric padding), or its block geometry.
 */
export function blockGeometryOf(conv: Conv2d): BlockGeometry | string {
  const [kh, kw] = conv.kernelSize;
  if (kh !== kw) return `kernel ${kh}×${kw} is not square`;
  if (kh < 2) return `kernel ${kh}×${kw} is not larger than 1×1`;
  if (conv.dilation[0] !== 1 || conv.dilation[1] !== 1) return `dilation ${conv.dilation} is not supported`;
  if (conv.stride[0] !== conv.stride[1]) return `stride ${conv.stride} is not square`;
  const s = conv.stride[0];
  let p: number;
  if (conv.padding === 'valid') p = 0;
  else if (conv.padding === 'same') {
    if (s !== 1 || kh % 2 === 0) return `'same' padding is only supported with stride 1 and an odd kernel`;
    p = (kh - 1) / 2;
  } else {
    const [[t, b], [l, r]] = conv.padding;
    if (!(t === b && b === l && l === r)) return `padding ${JSON.stringify(conv.padding)} is not symmetric`;
    p = t;
  }
  return normalizeGeometry({ inChannels: conv.inChannels, outChannels: conv.outChannels, kernelSize: kh, stride: s, padding: p, groups: conv.groups });
}

/**
 * Builds a rep-block that, in eval mode, computes exactly what the trained `conv` (with or without
 * bias) computes (spec §5): new branch convs He-normal N(0, 2/(kh·kw·cout)); the last BN of every
 * new branch γ = `gate`, other BNs γ = 1, β = 0, running statistics reset (or recalibrated on
 * `calibrationInputs`); the `kxk` branch gets a NEW conv with bias and a BN with γ = 1, β = 0,
 * and its conv is set so that `kxk` contributes `W_orig − W_others`, `b_orig − b_others` after its
 * BN's eval scaling. With `init: 'fresh'` the block is instead newly initialised (the authors'
 * static DBB baseline). `conv` is left untouched (the caller disposes it).
 */
export function growConv(conv: Conv2d, options: GrowOptions = {}): RepBlock {
  const geometry = blockGeometryOf(conv);
  if (typeof geometry === 'string') throw new Error(`growConv: conv cannot be grown: ${geometry}`);
  const gate = options.gate ?? DEFAULT_GATE;
  if (options.init === 'fresh') {
    const fresh = new RepBlock({ ...geometry, branches: options.branches ?? 'full', depth: options.depth, maxDepth: options.maxDepth, bn: options.bn, init: 'pytorch-default', rng: options.rng });
    fresh.train(conv.training);
    return fresh;
  }
  const block = new RepBlock({
    ...geometry,
    branches: options.branches ?? 'full',
    depth: options.depth,
    maxDepth: options.maxDepth,
    bn: options.bn,
    rng: options.rng,
  });
  try {
    const others = block.branchKinds.filter((k) => k !== 'kxk').map((k) => block.branch(k));
    tf.tidy(() => {
      for (const b of others) b.lastBn.weight.assign(tf.fill([b.lastBn.numFeatures], gate));
    });
    if (options.calibrationInputs && others.length) {
      recalibrateBn(others, options.calibrationInputs, { root: block, forward: (x) => block.forward(x) });
    }
    const kxkConv = block.kxk.conv as Conv2d;
    tf.tidy(() => {
      kxkConv.weight.assign(tf.zerosLike(kxkConv.weight));
      kxkConv.bias!.assign(tf.zerosLike(kxkConv.bias!));
    });
    // With a zero kxk conv the block computes W_others·x + b_others + shift(kxk BN); absorb the rest.
    const current = block.fuse();
    const delta = tf.tidy(() => ({
      kernel: tf.sub(conv.weight, current.kernel) as tf.Tensor4D,
      bias: (conv.bias ? tf.sub(conv.bias, current.bias) : tf.neg(current.bias)) as tf.Tensor1D,
    }));
    tf.dispose([current.kernel, current.bias]);
    block.absorb(delta);
    tf.dispose([delta.kernel, delta.bias]);
  } catch (e) {
    block.dispose();
    throw e;
  }
  block.train(conv.training);
  return block;
}

/** A conv that may be grown, with the depth its block would get. */
export interface GrowableConv {
  path: string;
  conv: Conv2d;
  /** Depth of the block that growing it would create (number of blocks above it). */
  depth: number;
}

/**
 * Every conv of `root` that can be grown (spec §4): square k×k with k > 1, dilation 1, square
 * stride, symmetric padding, and fewer than `maxDepth` rep-blocks above it (the innermost block's
 * own `maxDepth` applies inside a block). Depth-first order.
 */
export function listGrowableConvs(root: Module, options: { maxDepth?: number } = {}): GrowableConv[] {
  const out: GrowableConv[] = [];
  const visit = (m: Module, path: string, parent: RepBlock | null) => {
    if (m instanceof Conv2d) {
      const depth = parent ? parent.depth + 1 : 0;
      const maxDepth = parent ? parent.maxDepth : (options.maxDepth ?? DEFAULT_MAX_DEPTH);
      if (depth < maxDepth && typeof blockGeometryOf(m) !== 'string') out.push({ path, conv: m, depth });
      return;
    }
    const block = isRepBlock(m) ? m : parent;
    for (const [name, child] of m.namedChildren()) visit(child, path ? `${path}.${name}` : name, block);
  };
  visit(root, '', null);
  return out;
}

/**
 * Grows the Conv2d at `path` of `root` in place (works inside blocks: `layer1.0.conv1.kxk.conv`):
 * depth and maxDepth come from the innermost enclosing block, a grow beyond maxDepth throws, the
 * new block takes the conv's place and the old conv is disposed. Returns the new block.
 */
export function growAt(root: Module, path: string, options: Omit<GrowOptions, 'depth'> = {}): RepBlock {
  if (path === '') throw new Error('growAt: cannot replace the root module');
  const target = root.getModule(path);
  if (!(target instanceof Conv2d)) throw new Error(`growAt: '${path}' is a ${target.constructor.name}, not a Conv2d`);
  let parent: RepBlock | null = null;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const m = root.getModule(parts.slice(0, i).join('.'));
    if (isRepBlock(m)) parent = m;
  }
  const depth = parent ? parent.depth + 1 : 0;
  const maxDepth = options.maxDepth ?? parent?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (depth >= maxDepth) {
    throw new Error(`growAt: '${path}' has ${depth} rep-block(s) above it; growing it would exceed the maximum nesting (maxDepth ${maxDepth})`);
  }
  const block = growConv(target, { ...options, depth, maxDepth });
  root.setModule(path, block).dispose();
  return block;
}
