import onnxProto from 'onnx-proto';
import type { GraphNode } from '../trace-graph';
import { GraphView, normAxis, pairAttr, upsampleFactors, windowPad } from './graph-view';
import { isIdentityNormalization, type Normalization } from '../export-options';

const { onnx } = onnxProto;

/** ONNX opset the exporter writes. */
export const ONNX_OPSET = 13;

type Attr = number | number[] | string | { f: number };

/** NHWC axis → NCHW axis for rank-4 tensors (every rank-4 tensor of the ONNX graph is NCHW). */
function onnxAxis(axis: number, rank: number): number {
  return rank === 4 ? [0, 2, 3, 1][axis] : axis;
}

/** HWIO `[kh, kw, cin, cout]` kernel → OIHW. */
function hwioToOihw(data: ArrayLike<number>, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          out[((o * ci + i) * kh + h) * kw + w] = data[((h * kw + w) * ci + i) * co + o];
        }
  return out;
}

/** Depthwise `[kh, kw, cin, mult]` kernel → grouped OIHW `[cin·mult, 1, kh, kw]`. */
function depthwiseToOihw(data: ArrayLike<number>, [kh, kw, ci, mult]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let j = 0; j < mult; j++) {
          out[((i * mult + j) * kh + h) * kw + w] = data[((h * kw + w) * ci + i) * mult + j];
        }
  return out;
}

class OnnxGraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  floats(prefix: string, data: Float32Array, dims: number[]): string {
    const name = this.fresh(prefix);
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes });
    return name;
  }

  int64s(prefix: string, values: number[]): string {
    const name = this.fresh(prefix);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  node(opType: string, inputs: string[], module: string, attrs: Record<string, Attr> = {}, outputs?: string[]): string[] {
    const outs = outputs ?? [this.fresh(opType.toLowerCase())];
    const attribute = Object.entries(attrs).map(([name, v]) => {
      const A = onnx.AttributeProto.AttributeType;
      if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
      if (typeof v === 'object') return { name, type: A.FLOAT, f: v.f };
      return { name, type: A.INT, i: v };
    });
    this.nodes.push({ opType, input: inputs, output: outs, name: this.fresh(`${module || 'model'}/${opType}`), attribute });
    return outs;
  }
}

/** Value info of a float tensor with a symbolic batch axis `N`. */
function valueInfo(name: string, shape: number[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d, i) => (i === 0 ? { dimParam: 'N' } : { dimValue: d })) } } },
  };
}

/**
 * Lowers a traced graph to an ONNX graph with NCHW float32 input `input` `[N, C, H, W]` in
 * [0, 1] and the normalisation in-graph; rank-4 outputs are NCHW. Throws an
 * UnsupportedKernelError naming the kernel and module for anything it cannot express.
 */
export function lowerToOnnxGraph(view: GraphView, inputSize: [number, number, number], normalization: Normalization, name: string): onnxProto.onnx.IGraphProto {
  const g = new OnnxGraphBuilder();
  const names = new Map<number, string>();
  const skip = new Set<GraphNode>();
  const get = (id: number, node: GraphNode): string => view.loweredOperand(names, id, node);
  const set = (id: number, n: string) => names.set(view.resolve(id), n);
  /** A per-channel constant laid out to broadcast against a rank-`rank` tensor. */
  const channelConst = (v: Float32Array, rank: number) => g.floats('const', v, rank === 4 ? [1, v.length, 1, 1] : [v.length]);

  /** A channel bias right after `node`'s output, absorbed into the layer (its `Add` is skipped). */
  const takeBias = (node: GraphNode, channels: number): { bias: Float32Array; out: number } | null => {
    const found = view.followingBias(node, channels);
    if (found) skip.add(found.add);
    return found;
  };
  const poolPads = (node: GraphNode): Record<string, Attr> => {
    const p = windowPad(node.attrs.pad, node.attrs.dimRoundingMode);
    if (p === null) throw view.unsupported(node, `padding ${JSON.stringify(node.attrs.pad)} (rounding ${String(node.attrs.dimRoundingMode)})`);
    if (p === 'same') return { auto_pad: 'SAME_UPPER' };
    if (p === 'valid') return {};
    return { pads: [p[0], p[2], p[1], p[3]] };
  };

  const [h, w, c] = inputSize;
  let x0 = 'input';
  if (!isIdentityNormalization(normalization)) {
    [x0] = g.node('Sub', [x0, channelConst(Float32Array.from(normalization.mean), 4)], 'normalize');
    [x0] = g.node('Div', [x0, channelConst(Float32Array.from(normalization.std), 4)], 'normalize');
  }
  names.set(view.input, x0);

  for (const node of view.nodes) {
    if (skip.has(node)) continue;
    const m = node.module;
    const out = node.outputs[0];
    const outShape = view.value(out).shape;
    switch (node.kernel) {
      case 'Conv2D':
      case 'DepthwiseConv2dNative': {
        const filter = view.constant(node.inputs.filter);
        if (!filter?.data) throw view.unsupported(node, 'the kernel depends on the input');
        if (node.attrs.dataFormat && node.attrs.dataFormat !== 'NHWC') throw view.unsupported(node, `data format ${String(node.attrs.dataFormat)}`);
        const [kh, kw, ci, co] = filter.shape;
        const depthwise = node.kernel === 'DepthwiseConv2dNative';
        const channels = depthwise ? ci * co : co;
        const kernel = depthwise ? depthwiseToOihw(filter.data, filter.shape) : hwioToOihw(filter.data, filter.shape);
        const bias = takeBias(node, channels);
        const inputs = [get(node.inputs.x, node), g.floats(`${m || 'model'}.weight`, kernel, depthwise ? [channels, 1, kh, kw] : [co, ci, kh, kw])];
        if (bias) inputs.push(g.floats(`${m || 'model'}.bias`, bias.bias, [channels]));
        const attrs: Record<string, Attr> = {
          kernel_shape: [kh, kw],
          strides: pairAttr(node.attrs.strides, 'strides'),
          dilations: pairAttr(node.attrs.dilations, 'dilations'),
          group: depthwise ? ci : 1,
          ...poolPads(node),
        };
        set(bias ? bias.out : out, g.node('Conv', inputs, m, attrs)[0]);
        break;
      }
      case 'BatchMatMul': {
        const b = view.constant(node.inputs.b);
        if (!b?.data || view.constant(node.inputs.a) || b.shape.length !== 2 || view.value(node.inputs.a).shape.length !== 2 || node.attrs.transposeA) {
          throw view.unsupported(node, 'only x·W with a rank-2 input and a constant rank-2 W is supported');
        }
        const outF = node.attrs.transposeB ? b.shape[0] : b.shape[1];
        const bias = takeBias(node, outF);
        const inputs = [get(node.inputs.a, node), g.floats(`${m || 'model'}.weight`, Float32Array.from(b.data), b.shape)];
        inputs.push(g.floats(`${m || 'model'}.bias`, bias ? bias.bias : new Float32Array(outF), [outF]));
        set(bias ? bias.out : out, g.node('Gemm', inputs, m, { transB: node.attrs.transposeB ? 1 : 0 })[0]);
        break;
      }
      case 'Add':
      case 'Multiply':
      case 'Sub':
      case 'RealDiv': {
        const op = { Add: 'Add', Multiply: 'Mul', Sub: 'Sub', RealDiv: 'Div' }[node.kernel];
        const parts = view.splitBinary(node);
        if (!parts) {
          if (view.constant(node.inputs.a)) throw view.unsupported(node, 'both operands are constant');
          const ra = view.value(node.inputs.a).shape.length;
          const rb = view.value(node.inputs.b).shape.length;
          if (ra !== rb) throw view.unsupported(node, `broadcasting between ranks ${ra} and ${rb}`);
          set(out, g.node(op, [get(node.inputs.a, node), get(node.inputs.b, node)], m)[0]);
          break;
        }
        const shape = view.value(parts.x).shape;
        const cv = view.channelVector(parts.c, shape[shape.length - 1]);
        if (!cv) throw view.unsupported(node, `a constant of shape [${view.value(parts.c).shape}] that does not broadcast per channel`);
        const k = channelConst(cv, shape.length);
        const x = get(parts.x, node);
        set(out, g.node(op, parts.constantFirst ? [k, x] : [x, k], m)[0]);
        break;
      }
      case 'Relu':
      case 'Sigmoid':
        set(out, g.node(node.kernel, [get(node.inputs.x, node)], m)[0]);
        break;
      case 'Relu6': {
        const lo = g.floats('zero', new Float32Array([0]), []);
        const hi = g.floats('six', new Float32Array([6]), []);
        set(out, g.node('Clip', [get(node.inputs.x, node), lo, hi], m)[0]);
        break;
      }
      case 'PadV2': {
        const p = node.attrs.paddings as number[][];
        const rank = p.length;
        const order = rank === 4 ? [0, 3, 1, 2] : p.map((_, i) => i);
        const pads = [...order.map((i) => p[i][0]), ...order.map((i) => p[i][1])];
        const value = g.floats('pad_value', new Float32Array([Number(node.attrs.constantValue ?? 0)]), []);
        set(out, g.node('Pad', [get(node.inputs.x, node), g.int64s('pads', pads), value], m, { mode: 'constant' })[0]);
        break;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const attrs: Record<string, Attr> = { kernel_shape: pairAttr(node.attrs.filterSize, 'filterSize'), strides: pairAttr(node.attrs.strides, 'strides'), ...poolPads(node) };
        if (node.kernel === 'AvgPool' && attrs.pads) throw view.unsupported(node, 'explicit average-pooling padding');
        set(out, g.node(node.kernel === 'MaxPool' ? 'MaxPool' : 'AveragePool', [get(node.inputs.x, node)], m, attrs)[0]);
        break;
      }
      case 'Mean': {
        const rank = view.value(node.inputs.x).shape.length;
        const axes = ([] as number[]).concat(node.attrs.axis as number | number[]).map((a) => onnxAxis(normAxis(a, rank), rank));
        set(out, g.node('ReduceMean', [get(node.inputs.x, node)], m, { axes, keepdims: node.attrs.keepDims ? 1 : 0 })[0]);
        break;
      }
      case 'Reshape': {
        const inShape = view.value(node.inputs.x).shape;
        if (outShape[0] !== inShape[0]) throw view.unsupported(node, `a reshape [${inShape}] → [${outShape}] that changes the batch axis`);
        let x = get(node.inputs.x, node);
        if (inShape.length === 4) [x] = g.node('Transpose', [x], m, { perm: [0, 2, 3, 1] });
        [x] = g.node('Reshape', [x, g.int64s('shape', [0, ...outShape.slice(1)])], m);
        if (outShape.length === 4) [x] = g.node('Transpose', [x], m, { perm: [0, 3, 1, 2] });
        set(out, x);
        break;
      }
      case 'Concat':
      case 'AddN': {
        const xs = Object.values(node.inputs).map((id) => get(id, node));
        if (node.kernel === 'AddN') set(out, xs.length === 1 ? xs[0] : g.node('Sum', xs, m)[0]);
        else set(out, xs.length === 1 ? xs[0] : g.node('Concat', xs, m, { axis: onnxAxis(normAxis(Number(node.attrs.axis), outShape.length), outShape.length) })[0]);
        break;
      }
      case 'SplitV': {
        const rank = view.value(node.inputs.x).shape.length;
        const axis = normAxis(Number(node.attrs.axis), rank);
        const sizes = node.outputs.map((id) => view.value(id).shape[axis]);
        const outs = g.node(
          'Split',
          [get(node.inputs.x, node), g.int64s('split', sizes)],
          m,
          { axis: onnxAxis(axis, rank) },
          node.outputs.map(() => g.fresh('split')),
        );
        node.outputs.forEach((id, i) => set(id, outs[i]));
        break;
      }
      case 'ResizeNearestNeighbor': {
        const [fy, fx] = upsampleFactors(view, node);
        const scales = g.floats('scales', new Float32Array([1, 1, fy, fx]), [4]);
        const attrs = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
        set(out, g.node('Resize', [get(node.inputs.images, node), '', scales], m, attrs)[0]);
        break;
      }
      case 'Slice': {
        const inShape = view.value(node.inputs.x).shape;
        const rank = inShape.length;
        const begin = ([] as number[]).concat(node.attrs.begin as number | number[]);
        const axes: number[] = [];
        const starts: number[] = [];
        const ends: number[] = [];
        inShape.forEach((d, i) => {
          const b = begin[i] ?? 0;
          if (b === 0 && outShape[i] === d) return;
          if (i === 0) throw view.unsupported(node, 'slicing the batch axis');
          axes.push(onnxAxis(i, rank));
          starts.push(b);
          ends.push(b + outShape[i]);
        });
        const x = get(node.inputs.x, node);
        set(out, axes.length ? g.node('Slice', [x, g.int64s('starts', starts), g.int64s('ends', ends), g.int64s('axes', axes)], m)[0] : x);
        break;
      }
      default:
        throw view.unsupported(node);
    }
  }
  const last = names.get(view.output);
  if (!last) throw new Error('onnx export: the model output does not depend on the input');
  const outShape = view.value(view.output).shape;
  g.node('Identity', [last], 'output', {}, ['output']);
  return {
    name,
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo('input', [1, c, h, w])],
    output: [valueInfo('output', outShape.length === 4 ? [1, outShape[3], outShape[1], outShape[2]] : outShape)],
  };
}
