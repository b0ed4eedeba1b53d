import { DepthwiseConv2dNativeBackpropFilter, util } from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropFilterAttrs, DepthwiseConv2dNativeBackpropFilterInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convAxes, filterGradNHWC } from '../internal/conv-backprop';
import { requiredInput } from '../internal/required-input';
import { withScratch } from '../internal/scratch';

function depthwiseBackpropFilter(args: { inputs: DepthwiseConv2dNativeBackpropFilterInputs; backend: never; attrs: DepthwiseConv2dNativeBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = requiredInput('DepthwiseConv2dNativeBackpropFilter', inputs, 'x');
  const dy = requiredInput('DepthwiseConv2dNativeBackpropFilter', inputs, 'dy');
  const filterShape = attrs.filterShape as [number, number, number, number];
  return withScratch(backend, (s) => {
    util.assert(x.shape.length === 4, () => `DepthwiseConv2dNativeBackpropFilter: x must be rank 4, got [${x.shape}]`);
    const axes = convAxes('DepthwiseConv2dNativeBackpropFilter', x.shape as [number, number, number, number], filterShape, dy.shape, attrs, 'depthwise');
    if (util.sizeFromShape(dy.shape) === 0 || util.sizeFromShape(x.shape) === 0) return s.zeros(filterShape);
    return filterGradNHWC(s, 'depthwise', x, dy, axes, filterShape);
  });
}

/**
 * `DepthwiseConv2dNativeBackpropFilter` for wasm (absent from tfjs-backend-wasm 4.22): one
 * depthwise conv over `[1, H, W, inC*batch]` with dy as filter, then a sum over the batch.
 */
export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as KernelFunc,
};
