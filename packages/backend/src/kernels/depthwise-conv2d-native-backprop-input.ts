import { DepthwiseConv2dNativeBackpropInput, util } from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropInputAttrs, DepthwiseConv2dNativeBackpropInputInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convAxes, inputGradNHWC } from '../internal/conv-backprop';
import { requiredInput } from '../internal/required-input';
import { withScratch } from '../internal/scratch';

function depthwiseBackpropInput(args: { inputs: DepthwiseConv2dNativeBackpropInputInputs; backend: never; attrs: DepthwiseConv2dNativeBackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = requiredInput('DepthwiseConv2dNativeBackpropInput', inputs, 'dy');
  const filter = requiredInput('DepthwiseConv2dNativeBackpropInput', inputs, 'filter');
  const inputShape = attrs.inputShape as [number, number, number, number];
  return withScratch(backend, (s) => {
    util.assert(filter.shape.length === 4, () => `DepthwiseConv2dNativeBackpropInput: filter must be rank 4, got [${filter.shape}]`);
    const [kh, kw, inC, mult] = filter.shape;
    const axes = convAxes('DepthwiseConv2dNativeBackpropInput', inputShape, [kh, kw, inC, mult], dy.shape, attrs, 'depthwise');
    if (util.sizeFromShape(dy.shape) === 0 || util.sizeFromShape(inputShape) === 0) return s.zeros(inputShape);
    // Each of the inC*mult dy channels is convolved on its own, then the multiplier is summed out.
    const perChannel = inputGradNHWC(s, 'depthwise', dy, filter, axes);
    if (mult === 1) return perChannel;
    const [b, h, w] = inputShape;
    const split = s.run('Reshape', { x: perChannel }, { shape: [b, h, w, inC, mult] });
    return s.run('Sum', { x: split }, { axis: [4], keepDims: false });
  });
}

/**
 * `DepthwiseConv2dNativeBackpropInput` for wasm (absent from tfjs-backend-wasm 4.22): polyphase
 * depthwise convs of dy with the flipped filter; any channel multiplier, stride and dilation.
 */
export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as KernelFunc,
};
