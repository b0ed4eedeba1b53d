// tfjs-node 4.22's conv gradient kernels accept only 'same' and 'valid' padding, while every
// padded conv of @dyrep/nn passes explicit per-side padding: without these kernels no model here
// can train on the `tensorflow` backend. TensorFlow's own ops take `padding: 'EXPLICIT'` with an
// `explicit_paddings` attribute (as tfjs-node's forward Conv2D already does), so these kernels
// call them that way and leave 'same'/'valid' to tfjs-node's kernels. The filter gradient of a
// strided 1×1 conv is computed by ./tensorflow-strided-1x1-filter.ts whatever its padding.
import {
  backend_util,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNative,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  getKernel,
  registerKernel,
  tensor,
  tensor1d,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { isStrided1x1, strided1x1FilterGrad } from './tensorflow-strided-1x1-filter';
import type { TfExecutor } from './tensorflow-strided-1x1-filter';

/** The parts of tfjs-node's `NodeJSKernelBackend` and its binding these kernels use. */
interface TfOpAttr {
  name: string;
  type: number;
  value: unknown;
}
interface NodeBackendLike {
  binding: { TF_ATTR_INT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: TfOpAttr[], inputs: TensorInfo[]): TensorInfo;
}

type Conv2DInfo = backend_util.Conv2DInfo;
type Kind = 'conv' | 'depthwise';
type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs: Record<string, unknown> };

const BACKEND = 'tensorflow';

/** Whether a conv's padding must go to TensorFlow as `EXPLICIT` (tfjs-node handles the others). */
function needsExplicit(info: Conv2DInfo): boolean {
  return info.padInfo.type !== 'SAME' && info.padInfo.type !== 'VALID';
}

/** TensorFlow attributes of a conv gradient op with explicit padding. */
function opAttrs(b: NodeBackendLike, info: Conv2DInfo, kind: Kind): TfOpAttr[] {
  const { binding } = b;
  const nhwc = info.dataFormat === 'channelsLast';
  const p = info.padInfo;
  const pads = nhwc ? [0, 0, p.top, p.bottom, p.left, p.right, 0, 0] : [0, 0, 0, 0, p.top, p.bottom, p.left, p.right];
  const spatial = (h: number, w: number) => (nhwc ? [1, h, w, 1] : [1, 1, h, w]);
  const attrs: TfOpAttr[] = [
    { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'strides', type: binding.TF_ATTR_INT, value: spatial(info.strideHeight, info.strideWidth) },
    { name: 'padding', type: binding.TF_ATTR_STRING, value: 'EXPLICIT' },
    { name: 'explicit_paddings', type: binding.TF_ATTR_INT, value: pads },
    { name: 'data_format', type: binding.TF_ATTR_STRING, value: nhwc ? 'NHWC' : 'NCHW' },
    { name: 'dilations', type: binding.TF_ATTR_INT, value: spatial(info.dilationHeight, info.dilationWidth) },
  ];
  if (kind === 'conv') attrs.push({ name: 'use_cudnn_on_gpu', type: binding.TF_ATTR_BOOL, value: true });
  return attrs;
}

/** Runs a TensorFlow `*BackpropInput`/`*BackpropFilter` op whose first or second input is a sizes vector. */
function run(b: NodeBackendLike, op: string, info: Conv2DInfo, kind: Kind, sizes: number[], order: (s: TensorInfo) => TensorInfo[]): TensorInfo {
  const s = tensor1d(sizes, 'int32');
  try {
    return b.executeSingleOutput(op, opAttrs(b, info, kind), order(s));
  } finally {
    s.dispose();
  }
}

/** The kernels these replace, kept to delegate 'same'/'valid' to and to restore on unregister. */
const originals = new Map<string, KernelConfig>();

function delegate(name: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  const original = originals.get(name);
  if (!original) throw new Error(`${name}: tfjs-node's kernel is not registered`);
  return original.kernelFunc(args as unknown as Parameters<KernelFunc>[0]);
}

function config(name: string, body: (args: KernelArgs) => TensorInfo | undefined): KernelConfig {
  return {
    kernelName: name,
    backendName: BACKEND,
    kernelFunc: ((args: KernelArgs) => body(args) ?? delegate(name, args)) as unknown as KernelFunc,
  };
}

const dataFormatOf = (attrs: Record<string, unknown>) => backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC');
type Pad = Parameters<typeof backend_util.computeConv2DInfo>[4];
type Rounding = Parameters<typeof backend_util.computeConv2DInfo>[5];

/** A depthwise filter `[kh, kw, c, m]` with `d - 1` zeros between taps: dilation 1 then computes dilation d. */
function dilateFilter(values: Float32Array, [kh, kw, c, m]: number[], dh: number, dw: number): { values: Float32Array; shape: number[] } {
  const eh = (kh - 1) * dh + 1;
  const ew = (kw - 1) * dw + 1;
  const inner = c * m;
  const out = new Float32Array(eh * ew * inner);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) out.set(values.subarray((y * kw + x) * inner, (y * kw + x + 1) * inner), (y * dh * ew + x * dw) * inner);
  }
  return { values: out, shape: [eh, ew, c, m] };
}

/**
 * Our `tensorflow` kernels: explicit padding for the conv2d and depthwise conv2d gradients, the
 * filter gradient of a strided 1×1 conv without oneDNN's heap-corrupting kernel (any padding; see
 * ./tensorflow-strided-1x1-filter.ts), and a dilated depthwise forward (TensorFlow's non-oneDNN
 * depthwise kernel rejects dilations, so with TF_ENABLE_ONEDNN_OPTS=0 a dilated depthwise conv
 * would fail).
 */
export const tensorflowTrainingKernelConfigs: readonly KernelConfig[] = [
  config(DepthwiseConv2dNative, ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs;
    const d = attrs.dilations as number | [number, number] | undefined;
    const [dh, dw] = d == null ? [1, 1] : typeof d === 'number' ? [d, d] : d;
    if (dh === 1 && dw === 1) return undefined;
    const b = backend as NodeBackendLike & { readSync(id: unknown): Float32Array };
    const dilated = dilateFilter(b.readSync(filter.dataId), filter.shape, dh, dw);
    const f = tensor(dilated.values, dilated.shape, 'float32');
    try {
      return delegate(DepthwiseConv2dNative, { inputs: { x, filter: f }, backend, attrs: { ...attrs, dilations: 1 } }) as TensorInfo;
    } finally {
      f.dispose();
    }
  }),
  config(Conv2DBackpropInput, ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs;
    const info = backend_util.computeConv2DInfo(
      attrs.inputShape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides as number,
      1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as Rounding,
      false,
      dataFormatOf(attrs),
    );
    if (!needsExplicit(info)) return undefined;
    return run(backend as NodeBackendLike, Conv2DBackpropInput, info, 'conv', info.inShape, (s) => [s, filter, dy]);
  }),
  config(Conv2DBackpropFilter, ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape as [number, number, number, number],
      attrs.strides as number,
      1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as Rounding,
      false,
      dataFormatOf(attrs),
    );
    if (isStrided1x1(info)) return strided1x1FilterGrad(backend as TfExecutor, info, x, dy);
    if (!needsExplicit(info)) return undefined;
    return run(backend as NodeBackendLike, Conv2DBackpropFilter, info, 'conv', info.filterShape, (s) => [x, s, dy]);
  }),
  config(DepthwiseConv2dNativeBackpropInput, ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs;
    const info = backend_util.computeConv2DInfo(
      attrs.inputShape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides as number,
      attrs.dilations as number,
      attrs.pad as Pad,
      attrs.dimRoundingMode as Rounding,
      true,
    );
    if (!needsExplicit(info)) return undefined;
    return run(backend as NodeBackendLike, DepthwiseConv2dNativeBackpropInput, info, 'depthwise', info.inShape, (s) => [s, filter, dy]);
  }),
  config(DepthwiseConv2dNativeBackpropFilter, ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape as [number, number, number, number],
      attrs.strides as number,
      attrs.dilations as number,
      attrs.pad as Pad,
      attrs.dimRoundingMode as Rounding,
      true,
    );
    if (!needsExplicit(info)) return undefined;
    return run(backend as NodeBackendLike, DepthwiseConv2dNativeBackpropFilter, info, 'depthwise', info.filterShape, (s) => [x, s, dy]);
  }),
];

/**
 * Adds explicit-padding support to the `tensorflow` backend's conv gradients (tfjs-node 4.22
 * throws "TF Backend supports only 'valid' and 'same' padding") and computes strided 1×1 filter
 * gradients without oneDNN's heap-corrupting kernel ({@link tensorflowTrainingKernelConfigs}). Idempotent; does nothing until
 * tfjs-node (or -gpu) has registered its kernels. Called by `initBackend` when it picks `tensorflow`.
 * Returns whether the kernels are in place.
 */
export function registerTensorflowTrainingKernels(): boolean {
  let all = true;
  for (const c of tensorflowTrainingKernelConfigs) {
    const current = getKernel(c.kernelName, BACKEND);
    if (current === c) continue;
    if (current == null) {
      all = false;
      continue;
    }
    originals.set(c.kernelName, current);
    unregisterKernel(c.kernelName, BACKEND);
    registerKernel(c);
  }
  return all;
}

/** Undoes {@link registerTensorflowTrainingKernels}: restores tfjs-node's kernels. */
export function unregisterTensorflowTrainingKernels(): void {
  for (const c of tensorflowTrainingKernelConfigs) {
    if (getKernel(c.kernelName, BACKEND) !== c) continue;
    unregisterKernel(c.kernelName, BACKEND);
    const original = originals.get(c.kernelName);
    if (original) registerKernel(original);
    originals.delete(c.kernelName);
  }
}
