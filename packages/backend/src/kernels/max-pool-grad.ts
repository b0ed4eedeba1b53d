import { backend_util, MaxPoolGrad } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { requiredInput } from '../internal/required-input';
import { withScratch } from '../internal/scratch';

/**
 * `MaxPoolGrad` for wasm. tfjs-backend-wasm 4.22's own kernel drops the gradient of some windows
 * (seen with overlapping windows, stride 1, and 'same' padding; found by test/parity.test.ts), so
 * this one routes each dy element to the first maximum of its window, exactly as the cpu backend
 * and TensorFlow do. A plain loop over the window: max pooling is a small part of a training step.
 */
function maxPoolGrad(args: { inputs: { dy?: TensorInfo; input?: TensorInfo }; backend: never; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = requiredInput('MaxPoolGrad', inputs, 'dy');
  const input = requiredInput('MaxPoolGrad', inputs, 'input');
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  return withScratch(backend, (s) => {
    const x = s.read(input);
    const g = s.read(dy);
    const dx = new Float32Array(x.length);
    const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    for (let b = 0; b < batchSize; b++) {
      const xb = b * inHeight * inWidth * ch;
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = oy * strideHeight - top;
        for (let ox = 0; ox < outWidth; ox++) {
          const x0 = ox * strideWidth - left;
          const go = ((b * outHeight + oy) * outWidth + ox) * ch;
          for (let c = 0; c < ch; c++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            for (let ky = 0; ky < fh; ky += dilationHeight) {
              const iy = y0 + ky;
              if (iy < 0 || iy >= inHeight) continue;
              for (let kx = 0; kx < fw; kx += dilationWidth) {
                const ix = x0 + kx;
                if (ix < 0 || ix >= inWidth) continue;
                const i = xb + (iy * inWidth + ix) * ch + c;
                if (x[i] > best) {
                  best = x[i];
                  at = i;
                }
              }
            }
            if (at >= 0) dx[at] += g[go + c];
          }
        }
      }
    }
    return s.fromValues(input.shape, dx);
  });
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
