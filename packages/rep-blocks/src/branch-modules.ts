import * as tf from '@tensorflow/tfjs-core';
import { AvgPool2d, BatchNorm2d, Conv2d, Module, kaimingNormalFanOut, uniformInit, type BatchNorm2dOptions, type Rng } from '@dyrep/nn';
import type { BlockGeometry, BranchKind } from './branches';
import { BnAndPad } from './bn-and-pad';
import { convKernel } from './internal/conv-like';
import { addParallel } from './transforms/add-parallel';
import { avgPoolKernel } from './transforms/avg-pool-kernel';
import { bnStatistics, fuseConvBn } from './transforms/conv-bn';
import type { FusedKernel } from './transforms/fused-kernel';
import { identityKernel } from './transforms/identity-kernel';
import { fuseOneByOneThenKxk } from './transforms/one-by-one-then-kxk';
import { padKernelToKxk } from './transforms/pad-to-kxk';

/**
 * One branch of a rep-block. Every branch ends in a BatchNorm ({@link Branch.lastBn}, the gate that
 * DyRep's cut rule reads) and can report its eval-mode function as one k×k conv ({@link Branch.fuse}).
 */
export abstract class Branch extends Module {
  constructor(
    readonly kind: BranchKind,
    readonly geometry: BlockGeometry,
  ) {
    super();
  }

  /** The branch's final BatchNorm. */
  abstract get lastBn(): BatchNorm2d;

  /** Eval-mode equivalent k×k conv `[k, k, cin/g, cout]` + bias (new tensors, caller owns). */
  abstract fuse(): FusedKernel;

  protected child<M extends Module>(name: string): M {
    return this.getModule(name) as M;
  }
}

/**
 * `kxk`, `1x1`, `1xk`, `kx1`: children `conv` (a Conv2d, or for `kxk` possibly a nested rep-block)
 * and `bn`. Paths: `<block>.kxk.conv.weight`, `<block>.1x1.bn.running_mean`, …
 */
export class ConvBnBranch extends Branch {
  constructor(kind: 'kxk' | '1x1' | '1xk' | 'kx1', geometry: BlockGeometry, conv: Module, bn: BatchNorm2d) {
    super(kind, geometry);
    this.registerModule('conv', conv);
    this.registerModule('bn', bn);
  }

  /** The conv (or nested rep-block). */
  get conv(): Module {
    return this.child('conv');
  }

  get bn(): BatchNorm2d {
    return this.child('bn');
  }

  override get lastBn(): BatchNorm2d {
    return this.bn;
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.bn.forward(this.conv.forward(x)));
  }

  override fuse(): FusedKernel {
    return tf.tidy(() => {
      const c = convKernel(this.conv);
      const f = fuseConvBn(c.kernel, c.bias, bnStatistics(this.bn));
      return { kernel: padKernelToKxk(f.kernel, this.geometry.kernelSize), bias: f.bias };
    });
  }
}

/**
 * `1x1_kxk`: children `conv1` (1×1, cin→cin, groups g, no bias), `bn1` (a {@link BnAndPad} with the
 * block's padding), `conv2` (k×k, stride s, padding 0, groups g, no bias; may be a nested rep-block)
 * and `bn2` (the gate).
 */
export class OneByOneKxkBranch extends Branch {
  constructor(geometry: BlockGeometry, conv1: Conv2d, bn1: BnAndPad, conv2: Module, bn2: BatchNorm2d) {
    super('1x1_kxk', geometry);
    if (conv1.bias) throw new Error('1x1_kxk: the 1×1 conv must not have a bias (BN-and-pad pads with BN(0))');
    this.registerModule('conv1', conv1);
    this.registerModule('bn1', bn1);
    this.registerModule('conv2', conv2);
    this.registerModule('bn2', bn2);
  }

  override get lastBn(): BatchNorm2d {
    return this.child('bn2');
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = this.child('conv1').forward(x);
      y = this.child('bn1').forward(y);
      y = this.child('conv2').forward(y);
      return this.child('bn2').forward(y);
    });
  }

  override fuse(): FusedKernel {
    return tf.tidy(() => {
      const conv1 = this.child<Conv2d>('conv1');
      const a = fuseConvBn(conv1.weight as tf.Tensor4D, null, bnStatistics(this.child<BatchNorm2d>('bn1')));
      const c = convKernel(this.child('conv2'));
      const b = fuseConvBn(c.kernel, c.bias, bnStatistics(this.child<BatchNorm2d>('bn2')));
      return fuseOneByOneThenKxk(a.kernel, a.bias, b.kernel, b.bias, this.geometry.groups);
    });
  }
}

/**
 * `1x1_avg`: children `conv` (1×1, cin→cout, groups g, no bias), `bn1` (a {@link BnAndPad} with the
 * block's padding), `avg` (k×k average pool, stride s, padding 0) and `bn2` (the gate). For a
 * depthwise conv with cin = cout = groups there is no 1×1 conv: children `avg` (padding p, zeros
 * counted) and `bn2`.
 */
export class OneByOneAvgBranch extends Branch {
  constructor(geometry: BlockGeometry, conv: Conv2d | null, bn1: BnAndPad | null, avg: AvgPool2d, bn2: BatchNorm2d) {
    super('1x1_avg', geometry);
    if ((conv === null) !== (bn1 === null)) throw new Error('1x1_avg: conv and bn1 come together');
    if (conv?.bias) throw new Error('1x1_avg: the 1×1 conv must not have a bias (BN-and-pad pads with BN(0))');
    if (conv && bn1) {
      this.registerModule('conv', conv);
      this.registerModule('bn1', bn1);
    }
    this.registerModule('avg', avg);
    this.registerModule('bn2', bn2);
  }

  /** True for the depthwise form without a 1×1 conv. */
  get direct(): boolean {
    return !this.namedChildren().some(([name]) => name === 'conv');
  }

  override get lastBn(): BatchNorm2d {
    return this.child('bn2');
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const [, m] of this.namedChildren()) y = m.forward(y);
      return y;
    });
  }

  override fuse(): FusedKernel {
    const { kernelSize: k, groups, outChannels } = this.geometry;
    return tf.tidy(() => {
      const avg = fuseConvBn(avgPoolKernel(outChannels, k, groups), null, bnStatistics(this.lastBn));
      if (this.direct) return avg;
      const conv = this.child<Conv2d>('conv');
      const a = fuseConvBn(conv.weight as tf.Tensor4D, null, bnStatistics(this.child<BatchNorm2d>('bn1')));
      return fuseOneByOneThenKxk(a.kernel, a.bias, avg.kernel, avg.bias, groups);
    });
  }
}

/** `id`: a BatchNorm alone, child `bn` (valid for cin = cout, stride 1, padding ⌊k/2⌋). */
export class IdentityBranch extends Branch {
  constructor(geometry: BlockGeometry, bn: BatchNorm2d) {
    super('id', geometry);
    this.registerModule('bn', bn);
  }

  override get lastBn(): BatchNorm2d {
    return this.child('bn');
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return this.lastBn.forward(x);
  }

  override fuse(): FusedKernel {
    const { kernelSize: k, groups, outChannels } = this.geometry;
    return tf.tidy(() => fuseConvBn(identityKernel(outChannels, k, groups), null, bnStatistics(this.lastBn)));
  }
}

/**
 * How new branch convs are initialised: `he-normal` (this project's, and the authors' for grown
 * branches) N(0, 2/(kh·kw·cout)) with zero biases; `pytorch-default` PyTorch's `nn.Conv2d` default,
 * U(±1/√fan_in) with fan_in = (cin/groups)·kh·kw for weights and for the `kxk` bias (the authors'
 * static DBB baseline builds its blocks this way).
 */
export type BranchInit = 'he-normal' | 'pytorch-default';

/** Options for {@link createBranch}. */
export interface CreateBranchOptions {
  /** Options of every BatchNorm in the branch. */
  bn?: BatchNorm2dOptions;
  /** Conv initialisation (default `he-normal`). */
  init?: BranchInit;
  /** Source for the conv initialisation (default: the global one). */
  rng?: Rng;
}

/**
 * Builds a freshly initialised branch of `kind` for `geometry`: convs initialised per
 * `options.init` (default He-normal fan-out N(0, 2/(kh·kw·cout)) with a zero `kxk` bias), other
 * convs without bias, BNs γ = 1, β = 0, running mean 0, running variance 1. The caller checks
 * validity first.
 */
export function createBranch(kind: BranchKind, geometry: BlockGeometry, options: CreateBranchOptions = {}): Branch {
  const { inChannels: cin, outChannels: cout, kernelSize: k, stride: s, padding: p, groups: g } = geometry;
  const bn = (c: number) => new BatchNorm2d(c, options.bn);
  const pytorch = options.init === 'pytorch-default';
  const conv = (ci: number, co: number, kh: number, kw: number, stride: number, padding: [[number, number], [number, number]], bias = false) => {
    const shape: [number, number, number, number] = [kh, kw, ci / g, co];
    const bound = 1 / Math.sqrt((ci / g) * kh * kw);
    return new Conv2d({
      inChannels: ci,
      outChannels: co,
      kernelSize: [kh, kw],
      stride,
      padding,
      groups: g,
      bias,
      weight: pytorch ? (uniformInit(shape, bound, options.rng) as tf.Tensor4D) : kaimingNormalFanOut(shape, options.rng),
      ...(bias && pytorch ? { biasValue: uniformInit([co], bound, options.rng) as tf.Tensor1D } : {}),
    });
  };
  const none: [[number, number], [number, number]] = [
    [0, 0],
    [0, 0],
  ];
  switch (kind) {
    case 'kxk':
      return new ConvBnBranch(
        'kxk',
        geometry,
        conv(
          cin,
          cout,
          k,
          k,
          s,
          [
            [p, p],
            [p, p],
          ],
          true,
        ),
        bn(cout),
      );
    case '1x1':
      return new ConvBnBranch('1x1', geometry, conv(cin, cout, 1, 1, s, none), bn(cout));
    case '1xk':
      return new ConvBnBranch(
        '1xk',
        geometry,
        conv(cin, cout, 1, k, s, [
          [0, 0],
          [p, p],
        ]),
        bn(cout),
      );
    case 'kx1':
      return new ConvBnBranch(
        'kx1',
        geometry,
        conv(cin, cout, k, 1, s, [
          [p, p],
          [0, 0],
        ]),
        bn(cout),
      );
    case '1x1_kxk':
      return new OneByOneKxkBranch(geometry, conv(cin, cin, 1, 1, 1, none), new BnAndPad(cin, p, options.bn), conv(cin, cout, k, k, s, none), bn(cout));
    case '1x1_avg':
      if (g === cin && cin === cout) return new OneByOneAvgBranch(geometry, null, null, new AvgPool2d(k, { stride: s, padding: p }), bn(cout));
      return new OneByOneAvgBranch(geometry, conv(cin, cout, 1, 1, 1, none), new BnAndPad(cout, p, options.bn), new AvgPool2d(k, { stride: s, padding: 0 }), bn(cout));
    case 'id':
      return new IdentityBranch(geometry, bn(cout));
    default:
      throw new Error(`unknown branch kind '${kind as string}'`);
  }
}

/** Sum of the fused kernels of `branches` (new tensors). */
export function fuseBranches(branches: readonly Branch[]): FusedKernel {
  return tf.tidy(() => addParallel(branches.map((b) => b.fuse())));
}
