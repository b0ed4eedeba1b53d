// The filter gradient of a strided 1×1 conv on the `tensorflow` backend, computed without
// TensorFlow's Conv2DBackpropFilter. With oneDNN on (TF_ENABLE_ONEDNN_OPTS=1), TensorFlow 2.21 runs
// that op through oneDNN's `jit_avx512_common_1x1_convolution_bwd_weights_t` (verbose name
// `jit_1x1:avx512_core`), whose reduce-to-unit-stride path corrupts the heap when the conv has
// fewer than 16 input channels ("double free or corruption", "malloc(): invalid size", SIGSEGV).
// A 1×1 filter gradient is one matrix product, so it is computed as
//   dW[0, 0, ci, co] = Σ_{b, oh, ow} xs[b, oh, ow, ci] · dy[b, oh, ow, co],
// where xs is the input (zero-padded if the conv pads) sampled at every stride-th row and column.
import { backend_util, tensor } from '@tensorflow/tfjs-core';
import type { Tensor, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-node's `NodeJSKernelBackend` and its binding this computation uses. */
export interface TfExecutor {
  binding: { TF_ATTR_INT: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: { name: string; type: number; value: unknown }[], inputs: TensorInfo[]): TensorInfo;
  disposeData(dataId: unknown): boolean;
}

/** Whether {@link strided1x1FilterGrad} handles this conv: a 1×1 NHWC kernel with a stride above 1. */
export function isStrided1x1(info: backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 1 && info.filterWidth === 1 && (info.strideHeight > 1 || info.strideWidth > 1) && info.dataFormat === 'channelsLast';
}

/**
 * dW `[1, 1, inChannels, outChannels]` of a strided 1×1 NHWC conv from its input `x` and output
 * gradient `dy`, with TensorFlow's Pad, StridedSlice, Reshape and MatMul (any padding, any strides).
 * Frees every intermediate.
 */
export function strided1x1FilterGrad(b: TfExecutor, info: backend_util.Conv2DInfo, x: TensorInfo, dy: TensorInfo): TensorInfo {
  const { binding } = b;
  const T = { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
  const int32 = (name: string) => ({ name, type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 });
  const constants: Tensor[] = [];
  const outputs: TensorInfo[] = [];
  const ints = (values: number[], shape = [values.length]) => {
    const t = tensor(values, shape, 'int32');
    constants.push(t);
    return t;
  };
  const op = (name: string, attrs: { name: string; type: number; value: unknown }[], inputs: TensorInfo[]) => {
    const out = b.executeSingleOutput(name, attrs, inputs);
    outputs.push(out);
    return out;
  };
  const { batchSize, inChannels, outChannels, outHeight, outWidth, strideHeight: sh, strideWidth: sw } = info;
  const { top, bottom, left, right } = info.padInfo;
  try {
    const padded = top || bottom || left || right ? op('Pad', [T, int32('Tpaddings')], [x, ints([0, 0, top, bottom, left, right, 0, 0], [4, 2])]) : x;
    const flag = (name: string) => ({ name, type: binding.TF_ATTR_INT, value: 0 });
    const sampled = op(
      'StridedSlice',
      [T, int32('Index'), ...['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map(flag)],
      [padded, ints([0, 0, 0, 0]), ints([batchSize, (outHeight - 1) * sh + 1, (outWidth - 1) * sw + 1, inChannels]), ints([1, sh, sw, 1])],
    );
    const rows = batchSize * outHeight * outWidth;
    const xs = op('Reshape', [T, int32('Tshape')], [sampled, ints([rows, inChannels])]);
    const g = op('Reshape', [T, int32('Tshape')], [dy, ints([rows, outChannels])]);
    const dw = op('MatMul', [T, { name: 'transpose_a', type: binding.TF_ATTR_BOOL, value: true }, { name: 'transpose_b', type: binding.TF_ATTR_BOOL, value: false }], [xs, g]);
    return b.executeSingleOutput('Reshape', [T, int32('Tshape')], [dw, ints([1, 1, inChannels, outChannels])]);
  } finally {
    for (const t of constants) t.dispose();
    for (const t of outputs) b.disposeData(t.dataId);
  }
}
