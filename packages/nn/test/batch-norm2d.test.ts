import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { BatchNorm2d, Rng } from '@dyrep/nn';
import { useBackend, randomArr, expectArrayClose, expectClose, expectNoLeak } from '@dyrep/test-utils';

/** Per-channel mean and biased variance of an NHWC flat array, by loops. */
function channelStats(data: Float32Array, c: number): { mean: number[]; biasedVar: number[]; n: number } {
  const n = data.length / c;
  const mean = new Array(c).fill(0);
  const v = new Array(c).fill(0);
  for (let i = 0; i < data.length; i++) mean[i % c] += data[i] / n;
  for (let i = 0; i < data.length; i++) v[i % c] += (data[i] - mean[i % c]) ** 2 / n;
  return { mean, biasedVar: v, n };
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`BatchNorm2d on ${backend}`, () => {
    useBackend(backend);

    it('normalises with batch statistics and updates running stats (unbiased variance, momentum 0.1)', () => {
      const rng = new Rng(3);
      const c = 5;
      const bn = new BatchNorm2d(c);
      const gamma = rng.normalArray(c);
      const beta = rng.normalArray(c);
      bn.weight.assign(tf.tensor1d(gamma));
      bn.bias.assign(tf.tensor1d(beta));
      const x = randomArr(rng, [3, 4, 2, c], 2);
      const { mean, biasedVar, n } = channelStats(x.data, c);
      const y = tf.tidy(() => bn.forward(tf.tensor(x.data, x.shape)));
      const expected = Float32Array.from(x.data, (v, i) => ((v - mean[i % c]) / Math.sqrt(biasedVar[i % c] + 1e-5)) * gamma[i % c] + beta[i % c]);
      expectArrayClose(y, { data: expected, shape: x.shape }, 1e-5, 1e-5, 'train output');
      y.dispose();
      expectArrayClose(bn.runningMean, { data: Float32Array.from(mean, (m) => 0.1 * m), shape: [c] }, 1e-5, 1e-6, 'running mean');
      expectArrayClose(bn.runningVar, { data: Float32Array.from(biasedVar, (v) => 0.9 + (0.1 * v * n) / (n - 1)), shape: [c] }, 1e-5, 1e-6, 'running var');
      bn.dispose();
    });

    it('uses running statistics in eval mode', () => {
      const rng = new Rng(4);
      const c = 3;
      const bn = new BatchNorm2d(c, { eps: 1e-3 });
      const rm = rng.normalArray(c);
      const rv = rng.uniformArray(c, 0.5, 2);
      const gamma = rng.normalArray(c);
      const beta = rng.normalArray(c);
      bn.runningMean.assign(tf.tensor1d(rm));
      bn.runningVar.assign(tf.tensor1d(rv));
      bn.weight.assign(tf.tensor1d(gamma));
      bn.bias.assign(tf.tensor1d(beta));
      bn.eval();
      const x = randomArr(rng, [2, 3, 3, c]);
      const y = tf.tidy(() => bn.forward(tf.tensor(x.data, x.shape)));
      const expected = Float32Array.from(x.data, (v, i) => ((v - rm[i % c]) / Math.sqrt(rv[i % c] + 1e-3)) * gamma[i % c] + beta[i % c]);
      expectArrayClose(y, { data: expected, shape: x.shape }, 1e-5, 1e-5, 'eval output');
      y.dispose();
      bn.dispose();
    });

    it('has a hand-written gradient equal to automatic differentiation of the formula', () => {
      const rng = new Rng(5);
      const c = 4;
      const bn = new BatchNorm2d(c);
      bn.weight.assign(tf.tensor1d(rng.normalArray(c)));
      bn.bias.assign(tf.tensor1d(rng.normalArray(c)));
      const x = tf.tensor(randomArr(rng, [2, 5, 3, c], 3).data, [2, 5, 3, c]);
      const probe = tf.tensor(randomArr(rng, [2, 5, 3, c]).data, [2, 5, 3, c]);
      const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(bn.forward(xx), probe)))(x);
      const reference = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        const y = tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
        return tf.sum(tf.mul(y, probe));
      })([x, bn.weight, bn.bias]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x), probe)) as tf.Scalar, [bn.weight, bn.bias]);
      expectClose(dx, reference[0], 1e-4, 1e-5, 'dx');
      expectClose(grads[bn.weight.name], reference[1], 1e-4, 1e-5, 'dγ');
      expectClose(grads[bn.bias.name], reference[2], 1e-4, 1e-5, 'dβ');
      tf.dispose([dx, value, reference, grads, x, probe]);
      bn.dispose();
    });

    it('leaves no tensors behind', async () => {
      const bn = new BatchNorm2d(3);
      const x = tf.randomNormal([2, 4, 4, 3]);
      await expectNoLeak(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(bn.forward(x)) as tf.Scalar, bn.parameters());
        value.dispose();
        tf.dispose(grads);
        bn.eval();
        bn.forward(x).dispose();
        bn.train();
      }, 'batch norm');
      expect(() => tf.tidy(() => bn.forward(tf.ones([1, 2, 2, 4])))).to.throw(/4 channels, expected 3/);
      x.dispose();
      bn.dispose();
    });
  });
}
