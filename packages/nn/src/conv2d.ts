import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { kaimingNormalFanOut } from './init';
import { normalizePadding, toTfjsPad, type ExplicitPadding2d, type Padding2d } from './padding';

/** Construction options of {@link Conv2d}. */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  /** Square size or `[kh, kw]`. */
  kernelSize: number | [number, number];
  stride?: number | [number, number];
  padding?: Padding2d;
  dilation?: number | [number, number];
  /** Channel groups; `groups === inChannels` is depthwise. Both channel counts must divide by it. */
  groups?: number;
  /** Adds a bias (default false: convs in these networks are followed by BatchNorm). */
  bias?: boolean;
  /** Initial kernel `[kh, kw, cin/groups, cout]` (ownership is taken); Kaiming-normal fan-out otherwise. */
  weight?: tf.Tensor4D;
  /** Initial bias `[cout]` (ownership is taken); zeros otherwise. Implies `bias: true`. */
  biasValue?: tf.Tensor1D;
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * 2-D convolution over NHWC input with an HWIO kernel `[kh, kw, cin/groups, cout]`, supporting
 * general channel groups (split–conv–concat), depthwise convs (`groups = cin`) and dilation.
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: ExplicitPadding2d | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  /** Kernel `[kh, kw, cin/groups, cout]`. */
  readonly weight: tf.Variable;
  /** Bias `[cout]`, or null. */
  readonly bias: tf.Variable | null;

  constructor(o: Conv2dOptions) {
    super();
    const groups = o.groups ?? 1;
    for (const [name, v] of [
      ['inChannels', o.inChannels],
      ['outChannels', o.outChannels],
      ['groups', groups],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Conv2d: ${name} must be a positive integer, got ${v}`);
    }
    if (o.inChannels % groups || o.outChannels % groups) {
      throw new Error(`Conv2d: inChannels (${o.inChannels}) and outChannels (${o.outChannels}) must be divisible by groups (${groups})`);
    }
    this.inChannels = o.inChannels;
    this.outChannels = o.outChannels;
    this.kernelSize = pair(o.kernelSize);
    this.stride = pair(o.stride ?? 1);
    this.dilation = pair(o.dilation ?? 1);
    this.padding = normalizePadding(o.padding ?? 0);
    this.groups = groups;
    if (this.dilation.some((d) => d > 1) && this.stride.some((s) => s > 1)) {
      throw new Error('Conv2d: tfjs supports dilation > 1 only with stride 1');
    }
    const shape: [number, number, number, number] = [...this.kernelSize, o.inChannels / groups, o.outChannels];
    if (o.weight && !o.weight.shape.every((d, i) => d === shape[i])) {
      throw new Error(`Conv2d: weight has shape [${o.weight.shape}], expected [${shape}]`);
    }
    this.weight = this.registerParameter('weight', o.weight ?? kaimingNormalFanOut(shape));
    const hasBias = o.bias ?? o.biasValue !== undefined;
    if (o.biasValue && o.biasValue.size !== o.outChannels) {
      throw new Error(`Conv2d: bias has ${o.biasValue.size} values, expected ${o.outChannels}`);
    }
    this.bias = hasBias ? this.registerParameter('bias', o.biasValue ?? tf.zeros([o.outChannels])) : null;
  }

  /**
   * A new Conv2d with this conv's geometry and the given kernel and bias (ownership is taken;
   * `bias: null` for none). This conv is unchanged.
   */
  withParameters(weight: tf.Tensor4D, bias: tf.Tensor1D | null): Conv2d {
    return new Conv2d({
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      weight,
      ...(bias ? { biasValue: bias } : {}),
    });
  }

  /** True when this is a depthwise conv (one input channel per group). */
  get isDepthwise(): boolean {
    return this.groups > 1 && this.groups === this.inChannels;
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return conv2dGrouped(x as tf.Tensor4D, this.weight as tf.Tensor4D, this.bias as tf.Tensor1D | null, this);
  }

  override flops(_in: number[], out: number[]): number {
    const [kh, kw] = this.kernelSize;
    return out[1] * out[2] * this.outChannels * (this.inChannels / this.groups) * kh * kw;
  }
}

/** Geometry of a grouped convolution, as held by {@link Conv2d}. */
export interface ConvGeometry {
  stride: [number, number];
  padding: ExplicitPadding2d | 'same' | 'valid';
  dilation: [number, number];
  groups: number;
}

/**
 * Grouped 2-D convolution on NHWC input with an HWIO kernel `[kh, kw, cin/groups, cout]`:
 * `groups = 1` is `tf.conv2d`, `groups = cin` is `tf.depthwiseConv2d` (output channel
 * `c·m + j` reads input channel `c`), anything else is split–conv–concat per group.
 */
export function conv2dGrouped(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | null, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const cin = x.shape[3];
    const [kh, kw, cinPerGroup, cout] = w.shape;
    if (cin !== cinPerGroup * g.groups) {
      throw new Error(`conv2d: input has ${cin} channels, the kernel expects ${cinPerGroup * g.groups} (kernel [${w.shape}], groups ${g.groups})`);
    }
    const pad = toTfjsPad(g.padding);
    let y: tf.Tensor4D;
    if (g.groups === 1) {
      y = tf.conv2d(x, w, g.stride, pad, 'NHWC', g.dilation) as tf.Tensor4D;
    } else if (cinPerGroup === 1 && g.groups === cin) {
      y = tf.depthwiseConv2d(x, tf.reshape(w, [kh, kw, cin, cout / cin]) as tf.Tensor4D, g.stride, pad, 'NHWC', g.dilation) as tf.Tensor4D;
    } else {
      const xs = tf.split(x, g.groups, 3) as tf.Tensor4D[];
      const ws = tf.split(w, g.groups, 3) as tf.Tensor4D[];
      y = tf.concat(
        xs.map((xi, i) => tf.conv2d(xi, ws[i], g.stride, pad, 'NHWC', g.dilation)),
        3,
      ) as tf.Tensor4D;
    }
    return b ? tf.add(y, b) : y;
  });
}
