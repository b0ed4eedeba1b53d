import { Conv2DBackpropFilter, util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropFilterInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convAxes, filterGradNHWC } from '../internal/conv-backprop';
import { requiredInput } from '../internal/required-input';
import { withScratch } from '../internal/scratch';

function conv2dBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: never; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const nchw = attrs.dataFormat === 'NCHW';
  const filterShape = attrs.filterShape as [number, number, number, number];
  return withScratch(backend, (s) => {
    const xIn = requiredInput('Conv2DBackpropFilter', inputs, 'x');
    const dyIn = requiredInput('Conv2DBackpropFilter', inputs, 'dy');
    const x = nchw ? s.run('Transpose', { x: xIn }, { perm: [0, 2, 3, 1] }) : xIn;
    const dy = nchw ? s.run('Transpose', { x: dyIn }, { perm: [0, 2, 3, 1] }) : dyIn;
    util.assert(x.shape.length === 4, () => `Conv2DBackpropFilter: x must be rank 4, got [${x.shape}]`);
    const axes = convAxes('Conv2DBackpropFilter', x.shape as [number, number, number, number], filterShape, dy.shape, attrs, 'conv');
    if (util.sizeFromShape(dy.shape) === 0 || util.sizeFromShape(x.shape) === 0) return s.zeros(filterShape);
    return filterGradNHWC(s, 'conv', x, dy, axes, filterShape);
  });
}

/**
 * `Conv2DBackpropFilter` for wasm (tfjs-backend-wasm 4.22 has none): dw as one forward conv of
 * the transposed input with the transposed dy as filter (batch acts as the channel axis).
 */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
