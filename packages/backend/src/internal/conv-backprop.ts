import { backend_util, util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { planFilterGrad, planInputGrad } from './conv-geometry';
import type { AxisConv, CropPad, InputGradPhase } from './conv-geometry';
import type { Scratch } from './scratch';

/** Regular convolution (`conv2d`) or depthwise convolution (`depthwiseConv2d`). */
export type ConvKind = 'conv' | 'depthwise';

/** Attributes shared by the gradient kernels, as tfjs passes them. */
export interface GradAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The two spatial axes (height, width) of a conv, plus the NHWC conv info tfjs computes. */
export interface ConvAxes {
  info: backend_util.Conv2DInfo;
  h: AxisConv;
  w: AxisConv;
}

const ROUNDING_MODES = [undefined, 'floor', 'round', 'ceil'] as const;

/**
 * Computes the NHWC conv geometry for a gradient kernel and checks that dy's spatial size is one
 * the forward op can produce for these attributes (under any `dimRoundingMode`: tfjs' conv2d
 * gradient drops that attribute, so dy's own shape is the truth). Throws on anything else.
 */
export function convAxes(opName: string, xShape: [number, number, number, number], filterShape: [number, number, number, number], dyShape: number[], attrs: GradAttrs, kind: ConvKind): ConvAxes {
  const dilations = attrs.dilations ?? 1;
  const info = backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, dilations, attrs.pad, attrs.dimRoundingMode, kind === 'depthwise');
  const [, dyH, dyW, dyC] = dyShape;
  util.assert(dyShape.length === 4, () => `${opName}: dy must be rank 4, got shape [${dyShape}]`);
  util.assert(dyC === info.outChannels, () => `${opName}: dy has ${dyC} channels, expected ${info.outChannels}`);
  const fits = (i: backend_util.Conv2DInfo) => i.outHeight === dyH && i.outWidth === dyW;
  let ok = fits(info);
  if (!ok && typeof attrs.pad !== 'string') {
    ok = ROUNDING_MODES.some((mode) => fits(backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, dilations, attrs.pad, mode, kind === 'depthwise')));
  }
  util.assert(
    ok,
    () =>
      `${opName}: dy spatial shape [${dyH}, ${dyW}] cannot come from a forward conv of input ` +
      `[${xShape}] with filter [${filterShape}], strides ${attrs.strides}, pad ${JSON.stringify(attrs.pad)}; ` +
      `expected [${info.outHeight}, ${info.outWidth}]`,
  );
  const axis = (inSize: number, outSize: number, kernel: number, stride: number, dilation: number, padBefore: number) => ({ inSize, outSize, kernel, stride, dilation, padBefore });
  return {
    info,
    h: axis(info.inHeight, dyH, info.filterHeight, info.strideHeight, info.dilationHeight, info.padInfo.top),
    w: axis(info.inWidth, dyW, info.filterWidth, info.strideWidth, info.dilationWidth, info.padInfo.left),
  };
}

/** Crops axes 1 and 2 of an NHWC tensor when the crop is not the whole axis. */
function cropHW(s: Scratch, t: TensorInfo, ch: CropPad, cw: CropPad): TensorInfo {
  const [b, h, w, c] = t.shape;
  if (ch.begin === 0 && ch.size === h && cw.begin === 0 && cw.size === w) return t;
  return s.run('Slice', { x: t }, { begin: [0, ch.begin, cw.begin, 0], size: [b, ch.size, cw.size, c] });
}

/** Runs the wasm forward conv of the given kind with explicit padding. */
function forwardConv(s: Scratch, kind: ConvKind, x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], ph: CropPad, pw: CropPad): TensorInfo {
  const pad = [
    [0, 0],
    [ph.padBefore, ph.padAfter],
    [pw.padBefore, pw.padAfter],
    [0, 0],
  ];
  if (kind === 'conv') {
    return s.run('Conv2D', { x, filter }, { strides, pad, dilations, dataFormat: 'NHWC' });
  }
  return s.run('DepthwiseConv2dNative', { x, filter }, { strides, pad, dilations });
}

/**
 * The taps of one phase, in flipped order, with in/out channels swapped, built in JS from the
 * filter's values: `[th, tw, outC, inC]` for `conv`, `[th, tw, inC*mult, 1]` for `depthwise`.
 * (Building it here is much cheaper than the wasm Reverse/StridedSlice kernels.)
 */
function phaseFilter(s: Scratch, kind: ConvKind, w: Float32Array, wShape: number[], rows: PhaseConv, cols: PhaseConv): TensorInfo {
  const [KH, KW, ci, q] = wShape;
  const block = ci * q;
  const out = new Float32Array(rows.taps * cols.taps * block);
  for (let a = 0; a < rows.taps; a++) {
    const kh = KH - 1 - (rows.filterBegin + a * rows.filterStep);
    for (let b = 0; b < cols.taps; b++) {
      const kw = KW - 1 - (cols.filterBegin + b * cols.filterStep);
      const src = (kh * KW + kw) * block;
      const dst = (a * cols.taps + b) * block;
      if (kind === 'depthwise') {
        out.set(w.subarray(src, src + block), dst);
      } else {
        for (let i = 0; i < ci; i++) for (let o = 0; o < q; o++) out[dst + o * ci + i] = w[src + i * q + o];
      }
    }
  }
  const shape = kind === 'depthwise' ? [rows.taps, cols.taps, block, 1] : [rows.taps, cols.taps, q, ci];
  return s.fromValues(shape, out);
}

type PhaseConv = NonNullable<InputGradPhase['conv']>;

/**
 * dx of a conv (NHWC) by polyphase decomposition: for each of the strideH*strideW output phases,
 * one stride-1 forward conv of dy with the matching taps of the flipped filter; the phases are then
 * interleaved into dx. No work is spent on the zeros that a dilated ("zero-inserted") dy holds.
 *
 * For `depthwise` the result has `inC*multiplier` channels: the caller sums the multiplier out.
 */
export function inputGradNHWC(s: Scratch, kind: ConvKind, dy: TensorInfo, filter: TensorInfo, axes: ConvAxes): TensorInfo {
  const ph = planInputGrad(axes.h);
  const pw = planInputGrad(axes.w);
  const batch = dy.shape[0];
  const channels = kind === 'conv' ? filter.shape[2] : filter.shape[2] * filter.shape[3];
  const { inSize: inH, stride: sh } = axes.h;
  const { inSize: inW, stride: sw } = axes.w;
  const w = s.read(filter);
  const phases: { rh: number; rw: number; out: TensorInfo }[] = [];
  for (const rowPhase of ph.phases) {
    for (const colPhase of pw.phases) {
      const rc = rowPhase.conv;
      const cc = colPhase.conv;
      if (rc === null || cc === null) continue; // all zeros
      const sub = phaseFilter(s, kind, w, filter.shape, rc, cc);
      const input = cropHW(s, dy, rc.crop, cc.crop);
      const out = forwardConv(s, kind, input, sub, [1, 1], [rc.dilation, cc.dilation], rc.crop, cc.crop);
      util.assert(out.shape[1] === ph.count && out.shape[2] === pw.count, () => `@dyrep/backend: internal error, phase conv gave [${out.shape}] for ${ph.count}x${pw.count}`);
      phases.push({ rh: rowPhase.residue, rw: colPhase.residue, out });
    }
  }
  if (sh === 1 && sw === 1 && phases.length === 1) return phases[0].out; // already [B, inH, inW, C]
  // Interleave: phase (rh, rw) holds dx[b, u*sh + rh, v*sw + rw, :]; positions past the input
  // are dropped, phases without taps stay zero.
  const dx = new Float32Array(batch * inH * inW * channels);
  for (const { rh, rw, out } of phases) {
    const src = s.read(out);
    const [qh, qw] = [ph.count, pw.count];
    for (let b = 0; b < batch; b++) {
      for (let u = 0; u < qh; u++) {
        const ih = u * sh + rh;
        if (ih >= inH) break;
        for (let v = 0; v < qw; v++) {
          const iw = v * sw + rw;
          if (iw >= inW) break;
          const from = ((b * qh + u) * qw + v) * channels;
          dx.set(src.subarray(from, from + channels), ((b * inH + ih) * inW + iw) * channels);
        }
      }
    }
  }
  return s.fromValues([batch, inH, inW, channels], dx);
}

/**
 * dw of a conv (NHWC) as one forward conv in which batch plays the channel role: x becomes
 * `[inC, H, W, batch]` (conv) or `[1, H, W, inC*batch]` (depthwise), dy becomes the filter, the
 * forward dilation becomes the stride and the forward stride the dilation.
 * Returns `[kh, kw, inC, outC]` (conv) or `[kh, kw, inC, multiplier]` (depthwise).
 */
export function filterGradNHWC(s: Scratch, kind: ConvKind, x: TensorInfo, dy: TensorInfo, axes: ConvAxes, filterShape: number[]): TensorInfo {
  const ch = planFilterGrad(axes.h);
  const cw = planFilterGrad(axes.w);
  if (ch === null || cw === null) return s.zeros(filterShape);
  const [batch, , , inC] = x.shape;
  const [, oh, ow, outC] = dy.shape;
  const [kh, kw] = [axes.h.kernel, axes.w.kernel];
  const xc = cropHW(s, x, ch, cw);
  const strides: [number, number] = [axes.h.dilation, axes.w.dilation];
  const dilations: [number, number] = [axes.h.stride, axes.w.stride];
  if (kind === 'conv') {
    const xt = s.run('Transpose', { x: xc }, { perm: [3, 1, 2, 0] });
    const dyt = s.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const out = forwardConv(s, 'conv', xt, dyt, strides, dilations, ch, cw);
    util.assert(out.shape[1] === kh && out.shape[2] === kw, () => `@dyrep/backend: internal error, dw conv gave [${out.shape}]`);
    return s.run('Transpose', { x: out }, { perm: [1, 2, 0, 3] });
  }
  const mult = outC / inC;
  const xt = s.run('Transpose', { x: xc }, { perm: [1, 2, 3, 0] });
  const xr = s.run('Reshape', { x: xt }, { shape: [1, xc.shape[1], xc.shape[2], inC * batch] });
  const dy5 = s.run('Reshape', { x: dy }, { shape: [batch, oh, ow, inC, mult] });
  const dyt = s.run('Transpose', { x: dy5 }, { perm: [1, 2, 3, 0, 4] });
  const f = s.run('Reshape', { x: dyt }, { shape: [oh, ow, inC * batch, mult] });
  const out = forwardConv(s, 'depthwise', xr, f, strides, dilations, ch, cw);
  util.assert(out.shape[1] === kh && out.shape[2] === kw, () => `@dyrep/backend: internal error, dw conv gave [${out.shape}]`);
  if (batch === 1) return s.run('Reshape', { x: out }, { shape: [kh, kw, inC, mult] });
  const out5 = s.run('Reshape', { x: out }, { shape: [kh, kw, inC, batch, mult] });
  return s.run('Sum', { x: out5 }, { axis: [3], keepDims: false });
}
