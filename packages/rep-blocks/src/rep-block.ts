import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Module, recomputeInBackward, type BatchNorm2dOptions, type Rng } from '@dyrep/nn';
import { BRANCH_KINDS, normalizeGeometry, type BlockGeometry, type BlockGeometryInput, type BranchKind } from './branches';
import { Branch, ConvBnBranch, createBranch, fuseBranches, type BranchInit } from './branch-modules';
import { DEFAULT_GATE, reinitialiseBranch, resetBatchNorm, zeroConv } from './branch-init';
import { absorbInto } from './internal/conv-like';
import { blockRecomputation } from './block-recomputation';
import { mergeStrategy, mergedBranchSum } from './merged-execution';
import { resolveBranches, type PresetName } from './presets';
import type { FusedKernel } from './transforms/fused-kernel';

/** Default maximum number of nested rep-block levels (spec §4: a conv with 2 blocks above it is not grown). */
export const DEFAULT_MAX_DEPTH = 2;

/** Construction options of {@link RepBlock}: the conv geometry it replaces plus its branch set. */
export interface RepBlockOptions extends BlockGeometryInput {
  /** Preset name or explicit branch kinds (must include `kxk`; default preset `dbb`). */
  branches?: PresetName | Iterable<BranchKind>;
  /** Nesting depth: 0 for a top-level block, parent's depth + 1 for a block inside a block. */
  depth?: number;
  /** Blocks may have depth 0 … maxDepth − 1 (default {@link DEFAULT_MAX_DEPTH}). */
  maxDepth?: number;
  /** Options of every BatchNorm created. */
  bn?: BatchNorm2dOptions;
  /** Conv initialisation of every branch (default `he-normal`). */
  init?: BranchInit;
  /** Source for conv initialisation (default: the global one). */
  rng?: Rng;
}

/**
 * How {@link RepBlock.cut} keeps the block's function (spec §5, both exact in eval mode):
 * `fold` (default) adds the cut branches' fused kernel to the `kxk` conv, keeping `kxk`'s BN and
 * any block nested in it; `reset` is the authors' cut, "as in growing": the `kxk` BN is reset
 * (γ = 1, β = 0, fresh statistics), a block nested in `kxk` is re-initialised (its branches as in
 * a grow, gates 0.01), and the `kxk` conv takes the difference. The kept branches are untouched
 * either way, and every variable keeps its identity.
 */
export type CutMode = 'fold' | 'reset';

/** Options of {@link RepBlock.cut}. */
export interface CutOptions {
  mode?: CutMode;
  /** Source for the re-initialisation of `reset` (default: the global one). */
  rng?: Rng;
}

/**
 * A rep-block (Diverse Branch Block): a module with the interface of a k×k conv (square k > 1,
 * stride, symmetric padding, dilation 1, groups incl. depthwise) that sums a typed set of
 * branches, each ending in BatchNorm (spec §2). Child keys are the branch names (`kxk`, `1x1`,
 * `1x1_kxk`, `1x1_avg`, `1xk`, `kx1`, `id`) in canonical order; see `branch-modules.ts` for each
 * branch's children. The k×k conv in `kxk` (`kxk.conv`) and in `1x1_kxk` (`1x1_kxk.conv2`) may be a
 * nested block of depth `depth + 1`.
 *
 * Fresh blocks are initialised like new layers (He-normal convs, or PyTorch's default with
 * `init: 'pytorch-default'`; BN γ = 1, β = 0); use `growConv` for a block that reproduces a
 * trained conv.
 */
export class RepBlock extends Module {
  /** The conv geometry this block stands for. */
  readonly geometry: BlockGeometry;
  /** Nesting depth (0 = top level). */
  readonly depth: number;
  /** Blocks may have depth 0 … maxDepth − 1. */
  readonly maxDepth: number;

  constructor(options: RepBlockOptions) {
    super();
    this.geometry = normalizeGeometry(options);
    this.depth = options.depth ?? 0;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (!Number.isInteger(this.depth) || this.depth < 0) throw new Error(`RepBlock: depth must be a non-negative integer, got ${this.depth}`);
    if (this.depth >= this.maxDepth) {
      throw new Error(`RepBlock: nesting depth ${this.depth} exceeds the maximum (blocks may have depth 0…${this.maxDepth - 1}, maxDepth ${this.maxDepth})`);
    }
    const kinds = resolveBranches(options.branches ?? 'dbb', this.geometry);
    for (const kind of kinds) this.registerModule(kind, createBranch(kind, this.geometry, { bn: options.bn, init: options.init, rng: options.rng }));
  }

  /** Present branch kinds in canonical order. */
  get branchKinds(): BranchKind[] {
    const names = new Set(this.namedChildren().map(([n]) => n));
    return BRANCH_KINDS.filter((k) => names.has(k));
  }

  /** Present branches as a set. */
  get branches(): ReadonlySet<BranchKind> {
    return new Set(this.branchKinds);
  }

  /** True when branch `kind` is present. */
  has(kind: BranchKind): boolean {
    return this.branchKinds.includes(kind);
  }

  /** The branch module of `kind`; throws when absent. */
  branch(kind: BranchKind): Branch {
    if (!this.has(kind)) throw new Error(`rep-block has no '${kind}' branch (present: ${this.branchKinds.join(', ')})`);
    return this.getModule(kind) as Branch;
  }

  /** The `kxk` branch. */
  get kxk(): ConvBnBranch {
    return this.branch('kxk') as ConvBnBranch;
  }

  get inChannels(): number {
    return this.geometry.inChannels;
  }

  get outChannels(): number {
    return this.geometry.outChannels;
  }

  /**
   * Sum of the branches. In training mode the branches may be computed merged (one conv for
   * several same-input branches, see `setMergeStrategy`) and recomputed in the backward pass (see
   * `setBlockRecomputation`); the values and gradients are the same.
   */
  override forward(x: tf.Tensor): tf.Tensor {
    if (this.training && blockRecomputation()) return recomputeInBackward((input) => this.branchSum(input), x, this.parameters());
    return this.branchSum(x);
  }

  private branchSum(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const branches = this.branchKinds.map((k) => this.branch(k));
      const strategy = mergeStrategy();
      if (this.training && strategy !== 'separate') return mergedBranchSum(branches, x, this.geometry, strategy);
      const ys = branches.map((b) => b.forward(x));
      return ys.length === 1 ? ys[0] : tf.addN(ys);
    });
  }

  /**
   * The eval-mode equivalent conv: kernel `[k, k, cin/g, cout]` and bias `[cout]` (new tensors,
   * the caller owns them). Uses running statistics whatever the current mode.
   */
  fuse(): FusedKernel {
    return fuseBranches(this.branchKinds.map((k) => this.branch(k)));
  }

  /** A new plain Conv2d with bias (same geometry) computing {@link fuse}'s conv; the block is unchanged. */
  toConv(): Conv2d {
    const { kernel, bias } = this.fuse();
    const g = this.geometry;
    const conv = new Conv2d({
      inChannels: g.inChannels,
      outChannels: g.outChannels,
      kernelSize: g.kernelSize,
      stride: g.stride,
      padding: g.padding,
      groups: g.groups,
      weight: kernel,
      biasValue: bias,
    });
    conv.train(this.training);
    return conv;
  }

  /**
   * Adds the conv `delta` (this block's geometry; borrowed) to the block's eval-mode function by
   * changing the `kxk` branch's conv in place: `W += ΔW / s`, `b += Δb / s` with s = γ/σ of the
   * `kxk` BN (recursing into a nested block). The conv's variables keep their identity.
   */
  absorb(delta: FusedKernel): void {
    const bn = this.kxk.bn;
    const scaled = tf.tidy(() => {
      const { scale } = bn.evalAffine();
      const minAbs = tf.min(tf.abs(scale)).dataSync()[0];
      if (!(minAbs > 0) || !Number.isFinite(minAbs)) throw new Error('rep-block: the kxk BN has a zero or non-finite scale γ/σ; cannot fold into it');
      return { kernel: tf.div(delta.kernel, scale) as tf.Tensor4D, bias: tf.div(delta.bias, scale) as tf.Tensor1D };
    });
    try {
      absorbInto(this.kxk.conv, scaled);
    } finally {
      tf.dispose([scaled.kernel, scaled.bias]);
    }
  }

  /**
   * Removes branches so that the block's eval output is unchanged (spec §5), by {@link CutMode}
   * `fold` (default: their fused kernel is absorbed by `kxk`'s conv) or `reset` (the authors':
   * `kxk`'s BN and nested block start afresh, `kxk`'s conv takes the difference). Removed branches
   * are disposed; the others keep their variables. `kxk` cannot be cut; a block left with `kxk`
   * alone can be replaced by {@link toConv}.
   */
  cut(kinds: Iterable<BranchKind>, options: CutOptions = {}): void {
    const list = [...new Set(kinds)];
    if (list.includes('kxk')) throw new Error("rep-block: cannot cut 'kxk' (it absorbs the other branches)");
    for (const k of list) this.branch(k); // throws for absent ones
    if (list.length === 0) return;
    if ((options.mode ?? 'fold') === 'reset') {
      const target = this.fuse();
      try {
        for (const k of list) this.unregisterModule(k).dispose();
        this.resetKxk(options.rng);
        this.absorbDifference(target);
      } finally {
        tf.dispose([target.kernel, target.bias]);
      }
      return;
    }
    const delta = fuseBranches(list.map((k) => this.branch(k)));
    try {
      this.absorb(delta);
    } finally {
      tf.dispose([delta.kernel, delta.bias]);
    }
    for (const k of list) this.unregisterModule(k).dispose();
  }

  /**
   * `kxk` as a grow leaves it before taking the difference: its BN γ = 1, β = 0 with fresh
   * statistics; a nested block re-initialised throughout (every branch as in a grow, its own
   * `kxk` likewise), a plain conv zeroed.
   */
  private resetKxk(rng?: Rng): void {
    resetBatchNorm(this.kxk.bn);
    const inner = this.kxk.conv;
    if (isRepBlock(inner)) {
      for (const k of inner.branchKinds) if (k !== 'kxk') reinitialiseBranch(inner.branch(k), DEFAULT_GATE, rng);
      inner.resetKxk(rng);
    } else {
      zeroConv(inner as Conv2d);
    }
  }

  /** Makes the block's fused conv equal `target` (borrowed) by absorbing the difference into `kxk`. */
  private absorbDifference(target: FusedKernel): void {
    const current = this.fuse();
    const delta = tf.tidy(() => ({ kernel: tf.sub(target.kernel, current.kernel) as tf.Tensor4D, bias: tf.sub(target.bias, current.bias) as tf.Tensor1D }));
    tf.dispose([current.kernel, current.bias]);
    try {
      this.absorb(delta);
    } finally {
      tf.dispose([delta.kernel, delta.bias]);
    }
  }

  /**
   * Per present branch, `mean|γ|` of its last BN divided by the same for `kxk` (so `kxk` is 1),
   * the branch weights of DyRep's cut rule.
   */
  branchWeights(): Partial<Record<BranchKind, number>> {
    const meanAbsGamma = (bn: BatchNorm2d) => tf.tidy(() => tf.mean(tf.abs(bn.weight)).dataSync()[0]);
    const ref = meanAbsGamma(this.kxk.lastBn);
    const out: Partial<Record<BranchKind, number>> = {};
    for (const k of this.branchKinds) out[k] = k === 'kxk' ? 1 : meanAbsGamma(this.branch(k).lastBn) / ref;
    return out;
  }
}

/** True when `m` is a {@link RepBlock}. */
export function isRepBlock(m: unknown): m is RepBlock {
  return m instanceof RepBlock;
}
