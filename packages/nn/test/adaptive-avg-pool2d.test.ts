import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { AdaptiveAvgPool2d, Rng } from '@dyrep/nn';
import { useBackend, expectNoLeak } from '@dyrep/test-utils';

/** PyTorch's adaptive average pooling, written out: bin i of n → [floor(i·n/out), ceil((i+1)·n/out)). */
function bruteForce(x: Float32Array, [n, h, w, c]: number[], out: number): number[] {
  const y: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < out; j++) {
        const [h0, h1] = [Math.floor((i * h) / out), Math.ceil(((i + 1) * h) / out)];
        const [w0, w1] = [Math.floor((j * w) / out), Math.ceil(((j + 1) * w) / out)];
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let r = h0; r < h1; r++) for (let q = w0; q < w1; q++) s += x[((b * h + r) * w + q) * c + ch];
          y.push(s / ((h1 - h0) * (w1 - w0)));
        }
      }
    }
  }
  return y;
}

describe('AdaptiveAvgPool2d', () => {
  useBackend('wasm');

  it("matches PyTorch's bins on equal, divisible, smaller, larger and ragged sizes, without leaking", async () => {
    const rng = new Rng(9);
    for (const [h, w, out] of [
      [7, 7, 7],
      [14, 21, 7],
      [1, 1, 7],
      [2, 3, 7],
      [10, 9, 7],
      [5, 5, 3],
      [3, 8, 4],
    ]) {
      const shape = [2, h, w, 3];
      const values = Float32Array.from(rng.normalArray(shape.reduce((a, b) => a * b, 1)));
      const x = tf.tensor(values, shape);
      const pool = new AdaptiveAvgPool2d(out);
      const y = await expectNoLeak(() => tf.tidy(() => Array.from(pool.forward(x).dataSync())), `${h}×${w} → ${out}`);
      const ref = bruteForce(values, shape, out);
      expect(y.length).to.equal(ref.length);
      y.forEach((v, i) => expect(v, `${h}×${w} → ${out} at ${i}`).to.be.closeTo(ref[i], 1e-5));
      x.dispose();
    }
  });

  it('rejects a bad size and a non-NHWC input', () => {
    expect(() => new AdaptiveAvgPool2d(0)).to.throw(/outputSize must be a positive integer/);
    const x = tf.zeros([2, 3]);
    expect(() => new AdaptiveAvgPool2d(2).forward(x)).to.throw(/expected NHWC input/);
    x.dispose();
  });
});
