import { Conv2DBackpropInput, util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, Conv2DBackpropInputInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convAxes, inputGradNHWC } from '../internal/conv-backprop';
import { requiredInput } from '../internal/required-input';
import { withScratch } from '../internal/scratch';
import { toNHWCShape } from '../internal/layout';

function conv2dBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: never; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const nchw = attrs.dataFormat === 'NCHW';
  const inputShape = toNHWCShape(attrs.inputShape, nchw);
  return withScratch(backend, (s) => {
    const dyIn = requiredInput('Conv2DBackpropInput', inputs, 'dy');
    const dy = nchw ? s.run('Transpose', { x: dyIn }, { perm: [0, 2, 3, 1] }) : dyIn;
    const filter = requiredInput('Conv2DBackpropInput', inputs, 'filter');
    util.assert(filter.shape.length === 4, () => `Conv2DBackpropInput: filter must be rank 4, got [${filter.shape}]`);
    const axes = convAxes('Conv2DBackpropInput', inputShape, filter.shape as [number, number, number, number], dy.shape, attrs, 'conv');
    let dx: TensorInfo;
    if (util.sizeFromShape(dy.shape) === 0 || util.sizeFromShape(inputShape) === 0) {
      dx = s.zeros(inputShape);
    } else {
      dx = inputGradNHWC(s, 'conv', dy, filter, axes);
    }
    return nchw ? s.run('Transpose', { x: dx }, { perm: [0, 3, 1, 2] }) : dx;
  });
}

/**
 * `Conv2DBackpropInput` for wasm: dx as stride-1 forward convs of dy with the flipped filter,
 * one per stride phase, so that no multiply is spent on inserted zeros.
 */
export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
};
