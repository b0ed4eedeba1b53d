import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { GraphNode } from '../trace-graph';
import { GraphView, normAxis, pairAttr, upsampleFactors, windowPad } from './graph-view';
import { isIdentityNormalization, type Normalization } from '../export-options';

type Sym = tfl.SymbolicTensor;

/**
 * Lowers a traced graph to a tfjs-layers functional model over NHWC input `[H, W, C]` in [0, 1]
 * with the normalisation as its first layer. Throws an UnsupportedKernelError naming the kernel
 * and module for anything it cannot express. The caller owns (and disposes) the model.
 */
export function lowerToLayersModel(view: GraphView, inputSize: [number, number, number], normalization: Normalization, name: string): tfl.LayersModel {
  const built: tfl.LayersModel[] = [];
  const weights: [tfl.layers.Layer, tf.Tensor[]][] = [];
  const names = new Map<string, number>();
  const uniqueName = (module: string, kind: string) => {
    const base = `${module ? module.replace(/[^A-Za-z0-9_]/g, '_') : 'model'}_${kind}`;
    const n = names.get(base) ?? 0;
    names.set(base, n + 1);
    return n ? `${base}_${n}` : base;
  };
  const apply = (layer: tfl.layers.Layer, x: Sym | Sym[], w?: tf.Tensor[]): Sym => {
    const y = layer.apply(x) as Sym;
    if (w) weights.push([layer, w]);
    return y;
  };
  /** `x` zero-padded by `[top, bottom, left, right]` in a layer named after `module`. */
  const zeroPad = (x: Sym, [top, bottom, left, right]: readonly number[], module: string): Sym =>
    apply(
      tfl.layers.zeroPadding2d({
        padding: [
          [top, bottom],
          [left, right],
        ],
        name: uniqueName(module, 'pad'),
      }),
      x,
    );
  const sym = new Map<number, Sym>();
  const skip = new Set<GraphNode>();
  const get = (id: number, node: GraphNode): Sym => view.loweredOperand(sym, id, node);

  /** y = x·scale + shift per channel (last axis), as a 1×1 depthwise conv (rank 4) or a diagonal Dense (rank 2). */
  const affine = (x: Sym, rank: number, channels: number, scale: Float32Array | null, shift: Float32Array | null, module: string, node: GraphNode): Sym => {
    const s = scale ?? new Float32Array(channels).fill(1);
    if (rank === 4) {
      const layer = tfl.layers.depthwiseConv2d({ kernelSize: 1, depthMultiplier: 1, useBias: shift !== null, name: uniqueName(module, 'affine') });
      return apply(layer, x, [tf.tensor4d(s, [1, 1, channels, 1]), ...(shift ? [tf.tensor1d(shift)] : [])]);
    }
    if (rank === 2) {
      const diag = new Float32Array(channels * channels);
      for (let i = 0; i < channels; i++) diag[i * channels + i] = s[i];
      const layer = tfl.layers.dense({ units: channels, useBias: shift !== null, name: uniqueName(module, 'affine') });
      return apply(layer, x, [tf.tensor2d(diag, [channels, channels]), ...(shift ? [tf.tensor1d(shift)] : [])]);
    }
    throw view.unsupported(node, `per-channel arithmetic on a rank-${rank} tensor`);
  };

  /** A channel bias right after `node`'s output, absorbed into the layer (its `Add` is skipped). */
  const takeBias = (node: GraphNode, channels: number): { bias: Float32Array; out: number } | null => {
    const found = view.followingBias(node, channels);
    if (found) skip.add(found.add);
    return found;
  };

  const nonNegative = (id: number): boolean => {
    const p = view.producerOf(id);
    if (!p) return false;
    if (p.kernel === 'Relu' || p.kernel === 'Relu6' || p.kernel === 'Sigmoid') return true;
    if (p.kernel === 'MaxPool' || p.kernel === 'AvgPool') return nonNegative(p.inputs.x);
    if (p.kernel === 'PadV2') return Number(p.attrs.constantValue ?? 0) >= 0 && nonNegative(p.inputs.x);
    if (p.kernel === 'Concat') return Object.values(p.inputs).every(nonNegative);
    return false;
  };

  const paddingArg = (node: GraphNode): { pad: [number, number, number, number] | null; mode: 'same' | 'valid' } => {
    const p = windowPad(node.attrs.pad, node.attrs.dimRoundingMode);
    if (p === null) throw view.unsupported(node, `padding ${JSON.stringify(node.attrs.pad)} (rounding ${String(node.attrs.dimRoundingMode)})`);
    if (p === 'same' || p === 'valid') return { pad: null, mode: p };
    return { pad: p.some((v) => v !== 0) ? p : null, mode: 'valid' };
  };

  const [h, w, c] = inputSize;
  const input = tfl.input({ shape: [h, w, c], name: 'input', dtype: 'float32' });
  let x0: Sym = input;
  if (!isIdentityNormalization(normalization)) {
    const scale = Float32Array.from(normalization.std, (s) => 1 / s);
    const shift = Float32Array.from(normalization.mean, (m, i) => -m / normalization.std[i]);
    const layer = tfl.layers.depthwiseConv2d({ kernelSize: 1, depthMultiplier: 1, useBias: true, name: 'normalize' });
    x0 = apply(layer, x0, [tf.tensor4d(scale, [1, 1, c, 1]), tf.tensor1d(shift)]);
  }
  sym.set(view.input, x0);

  try {
    for (const node of view.nodes) {
      if (skip.has(node)) continue;
      const m = node.module;
      const out = node.outputs[0];
      const outShape = view.value(out).shape;
      const set = (id: number, s: Sym) => sym.set(view.resolve(id), s);
      switch (node.kernel) {
        case 'Conv2D':
        case 'DepthwiseConv2dNative': {
          const filter = view.constant(node.inputs.filter);
          if (!filter?.data) throw view.unsupported(node, 'the kernel depends on the input');
          if (node.attrs.dataFormat && node.attrs.dataFormat !== 'NHWC') throw view.unsupported(node, `data format ${String(node.attrs.dataFormat)}`);
          let x = get(node.inputs.x, node);
          const { pad, mode } = paddingArg(node);
          if (pad) x = zeroPad(x, pad, m);
          const [kh, kw, ci, co] = filter.shape;
          const depthwise = node.kernel === 'DepthwiseConv2dNative';
          const channels = depthwise ? ci * co : co;
          const bias = takeBias(node, channels);
          const common = {
            kernelSize: [kh, kw] as [number, number],
            strides: pairAttr(node.attrs.strides, 'strides'),
            dilationRate: pairAttr(node.attrs.dilations, 'dilations'),
            padding: mode,
            useBias: bias !== null,
          };
          const layer = depthwise
            ? tfl.layers.depthwiseConv2d({ ...common, depthMultiplier: co, name: uniqueName(m, 'dwconv') })
            : tfl.layers.conv2d({ ...common, filters: co, name: uniqueName(m, 'conv') });
          const y = apply(layer, x, [tf.tensor(filter.data, filter.shape, 'float32'), ...(bias ? [tf.tensor1d(bias.bias)] : [])]);
          set(bias ? bias.out : out, y);
          break;
        }
        case 'BatchMatMul': {
          const b = view.constant(node.inputs.b);
          if (!b?.data || view.constant(node.inputs.a) || b.shape.length !== 2 || view.value(node.inputs.a).shape.length !== 2 || node.attrs.transposeA) {
            throw view.unsupported(node, 'only x·W with a rank-2 input and a constant rank-2 W is supported');
          }
          let [inF, outF] = b.shape;
          let data: Float32Array = Float32Array.from(b.data);
          if (node.attrs.transposeB) {
            [inF, outF] = [outF, inF];
            data = tf.tidy(() => Float32Array.from(tf.transpose(tf.tensor2d(b.data!, b.shape as [number, number])).dataSync()));
          }
          const bias = takeBias(node, outF);
          const layer = tfl.layers.dense({ units: outF, useBias: bias !== null, name: uniqueName(m, 'dense') });
          set(bias ? bias.out : out, apply(layer, get(node.inputs.a, node), [tf.tensor2d(data, [inF, outF]), ...(bias ? [tf.tensor1d(bias.bias)] : [])]));
          break;
        }
        case 'Add':
        case 'Multiply':
        case 'Sub':
        case 'RealDiv': {
          const parts = view.splitBinary(node);
          if (!parts) {
            if (view.constant(node.inputs.a)) throw view.unsupported(node, 'both operands are constant');
            const a = get(node.inputs.a, node);
            const b = get(node.inputs.b, node);
            const sa = view.value(node.inputs.a).shape;
            const sb = view.value(node.inputs.b).shape;
            if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) throw view.unsupported(node, `broadcasting between [${sa}] and [${sb}]`);
            if (node.kernel === 'Add') set(out, apply(tfl.layers.add({ name: uniqueName(m, 'add') }), [a, b]));
            else if (node.kernel === 'Multiply') set(out, apply(tfl.layers.multiply({ name: uniqueName(m, 'mul') }), [a, b]));
            else if (node.kernel === 'Sub') {
              const neg = affine(b, sb.length, sb[sb.length - 1], new Float32Array(sb[sb.length - 1]).fill(-1), null, m, node);
              set(out, apply(tfl.layers.add({ name: uniqueName(m, 'sub') }), [a, neg]));
            } else throw view.unsupported(node, 'division by a tensor');
            break;
          }
          const shape = view.value(parts.x).shape;
          const channels = shape[shape.length - 1];
          const cv = view.channelVector(parts.c, channels);
          if (!cv) throw view.unsupported(node, `a constant of shape [${view.value(parts.c).shape}] that does not broadcast per channel`);
          let scale: Float32Array | null = null;
          let shift: Float32Array | null = null;
          if (node.kernel === 'Add') shift = cv;
          else if (node.kernel === 'Multiply') scale = cv;
          else if (node.kernel === 'Sub') {
            if (parts.constantFirst) {
              scale = new Float32Array(channels).fill(-1);
              shift = cv;
            } else shift = cv.map((v) => -v);
          } else {
            if (parts.constantFirst) throw view.unsupported(node, 'a constant divided by a tensor');
            scale = cv.map((v) => 1 / v);
          }
          let target = out;
          if (scale && !shift) {
            const next = takeBias(node, channels);
            if (next) {
              shift = next.bias;
              target = next.out;
            }
          }
          set(target, affine(get(parts.x, node), shape.length, channels, scale, shift, m, node));
          break;
        }
        case 'Relu':
        case 'Sigmoid':
          set(out, apply(tfl.layers.activation({ activation: node.kernel === 'Relu' ? 'relu' : 'sigmoid', name: uniqueName(m, node.kernel.toLowerCase()) }), get(node.inputs.x, node)));
          break;
        case 'Relu6':
          set(out, apply(tfl.layers.reLU({ maxValue: 6, name: uniqueName(m, 'relu6') }), get(node.inputs.x, node)));
          break;
        case 'PadV2': {
          const p = node.attrs.paddings as number[][];
          const value = Number(node.attrs.constantValue ?? 0);
          const shape = view.value(node.inputs.x).shape;
          if (shape.length !== 4 || p[0].some((v) => v !== 0) || p[3].some((v) => v !== 0)) throw view.unsupported(node, `padding ${JSON.stringify(p)} (only spatial padding of NHWC tensors)`);
          const users = view.consumersOf(out);
          const poolOnly = users.length > 0 && users.every((u) => u.kernel === 'MaxPool' && pairAttr(u.attrs.filterSize, 'filterSize').every((k, i) => k > Math.max(...p[i + 1])));
          if (value !== 0 && !(value === -Infinity && poolOnly && nonNegative(node.inputs.x))) {
            throw view.unsupported(node, `padding with ${value} (Keras pads with zeros; −∞ padding before a max-pool is supported only for non-negative inputs such as ReLU outputs)`);
          }
          set(out, zeroPad(get(node.inputs.x, node), [...p[1], ...p[2]], m));
          break;
        }
        case 'MaxPool':
        case 'AvgPool': {
          let x = get(node.inputs.x, node);
          const { pad, mode } = paddingArg(node);
          if (pad) {
            if (node.kernel === 'AvgPool' || !nonNegative(node.inputs.x)) throw view.unsupported(node, 'explicit pooling padding');
            x = zeroPad(x, pad, m);
          }
          const args = { poolSize: pairAttr(node.attrs.filterSize, 'filterSize'), strides: pairAttr(node.attrs.strides, 'strides'), padding: mode };
          const layer = node.kernel === 'MaxPool' ? tfl.layers.maxPooling2d({ ...args, name: uniqueName(m, 'maxpool') }) : tfl.layers.averagePooling2d({ ...args, name: uniqueName(m, 'avgpool') });
          set(out, apply(layer, x));
          break;
        }
        case 'Mean': {
          const shape = view.value(node.inputs.x).shape;
          const axes = ([] as number[])
            .concat(node.attrs.axis as number | number[])
            .map((a) => normAxis(a, shape.length))
            .sort();
          if (shape.length !== 4 || axes.join() !== '1,2') throw view.unsupported(node, `mean over axes [${axes}] of a rank-${shape.length} tensor (only global average pooling)`);
          let y = apply(tfl.layers.globalAveragePooling2d({ name: uniqueName(m, 'gap') }), get(node.inputs.x, node));
          if (node.attrs.keepDims) y = apply(tfl.layers.reshape({ targetShape: [1, 1, shape[3]], name: uniqueName(m, 'reshape') }), y);
          set(out, y);
          break;
        }
        case 'Reshape': {
          const inShape = view.value(node.inputs.x).shape;
          if (outShape[0] !== inShape[0]) throw view.unsupported(node, `a reshape [${inShape}] → [${outShape}] that changes the batch axis`);
          const x = get(node.inputs.x, node);
          const flat = outShape.length === 2 && inShape.length > 2;
          set(out, apply(flat ? tfl.layers.flatten({ name: uniqueName(m, 'flatten') }) : tfl.layers.reshape({ targetShape: outShape.slice(1), name: uniqueName(m, 'reshape') }), x));
          break;
        }
        case 'Concat':
        case 'AddN': {
          const ids = Object.values(node.inputs);
          const xs = ids.map((id) => get(id, node));
          if (node.kernel === 'AddN') set(out, xs.length === 1 ? xs[0] : apply(tfl.layers.add({ name: uniqueName(m, 'add') }), xs));
          else {
            const rank = outShape.length;
            const axis = normAxis(Number(node.attrs.axis), rank);
            if (axis === 0) throw view.unsupported(node, 'concatenation along the batch axis');
            set(out, xs.length === 1 ? xs[0] : apply(tfl.layers.concatenate({ axis, name: uniqueName(m, 'concat') }), xs));
          }
          break;
        }
        case 'ResizeNearestNeighbor': {
          const size = upsampleFactors(view, node);
          set(out, apply(tfl.layers.upSampling2d({ size, interpolation: 'nearest', name: uniqueName(m, 'upsample') }), get(node.inputs.images, node)));
          break;
        }
        case 'SplitV':
        case 'Slice': {
          // Channel slices of an NHWC tensor as 1×1 convs with 0/1 selection kernels (exact); spatial crops as Cropping2D.
          const inShape = view.value(node.inputs.x).shape;
          const rank = inShape.length;
          if (node.kernel === 'Slice' && rank === 4) {
            const begin = ([] as number[]).concat(node.attrs.begin as number | number[]);
            const keepsBatchAndChannels = [0, 3].every((i) => (begin[i] ?? 0) === 0 && outShape[i] === inShape[i]);
            if (keepsBatchAndChannels && (outShape[1] !== inShape[1] || outShape[2] !== inShape[2])) {
              const cropping: [[number, number], [number, number]] = [1, 2].map((i) => [begin[i] ?? 0, inShape[i] - (begin[i] ?? 0) - outShape[i]]) as never;
              set(out, apply(tfl.layers.cropping2D({ cropping, name: uniqueName(m, 'crop') }), get(node.inputs.x, node)));
              break;
            }
          }
          const cin = inShape[rank - 1];
          let ranges: [number, number][];
          if (node.kernel === 'SplitV') {
            const axis = normAxis(Number(node.attrs.axis), rank);
            if (axis !== rank - 1) throw view.unsupported(node, 'splits along an axis other than channels');
            let start = 0;
            ranges = node.outputs.map((id) => {
              const size = view.value(id).shape[axis];
              const r: [number, number] = [start, size];
              start += size;
              return r;
            });
          } else {
            const begin = ([] as number[]).concat(node.attrs.begin as number | number[]);
            const full = inShape.every((d, i) => i === rank - 1 || ((begin[i] ?? 0) === 0 && outShape[i] === d));
            if (!full) throw view.unsupported(node, 'slices along an axis other than channels');
            ranges = [[begin[rank - 1] ?? 0, outShape[rank - 1]]];
          }
          if (rank !== 4) throw view.unsupported(node, `channel slices of a rank-${rank} tensor`);
          const x = get(node.inputs.x, node);
          node.outputs.forEach((id, i) => {
            const [start, size] = ranges[i];
            const sel = new Float32Array(cin * size);
            for (let j = 0; j < size; j++) sel[(start + j) * size + j] = 1;
            const layer = tfl.layers.conv2d({ filters: size, kernelSize: 1, useBias: false, name: uniqueName(m, 'slice') });
            set(id, apply(layer, x, [tf.tensor4d(sel, [1, 1, cin, size])]));
          });
          break;
        }
        default:
          throw view.unsupported(node);
      }
    }
    const output = sym.get(view.output);
    if (!output) throw new Error('tfjs-layers export: the model output does not depend on the input');
    const model = tfl.model({ inputs: input, outputs: output, name });
    built.push(model);
    for (const [layer, w] of weights) layer.setWeights(w);
    return model;
  } catch (e) {
    for (const [layer] of weights) if (!built.length) disposeLayer(layer);
    throw e;
  } finally {
    for (const [, w] of weights) tf.dispose(w);
  }
}

function disposeLayer(layer: tfl.layers.Layer): void {
  try {
    layer.dispose();
  } catch {
    // a layer that was never built holds no weights
  }
}
