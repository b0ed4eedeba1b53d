import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { initBackend } from '@dyrep/backend';
import { relError } from './helpers/compare';
import { Prng } from './helpers/prng';
import { referenceGrads } from './helpers/reference-conv';

describe('wasm training kernels: edge cases', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('handles NCHW in the conv2d gradient kernels', () => {
    const rng = new Prng(3);
    const [B, H, W, C, K, O] = [2, 7, 6, 3, 3, 4];
    const x = rng.values(B * H * W * C);
    const w = rng.values(K * K * C * O);
    const dy = rng.values(B * 4 * 3 * O); // stride 2, 'same' -> 4x3, padding top 1, left 0
    const ref = referenceGrads({ xShape: [B, H, W, C], wShape: [K, K, C, O], dyShape: [B, 4, 3, O], strides: [2, 2], dilations: [1, 1], padTop: 1, padLeft: 0, depthwise: false }, x, w, dy);
    const [dx, dw] = tf.tidy(() => {
      const xt = tf.transpose(tf.tensor4d(x, [B, H, W, C]), [0, 3, 1, 2]);
      const dyt = tf.transpose(tf.tensor4d(dy, [B, 4, 3, O]), [0, 3, 1, 2]);
      const filter = tf.tensor4d(w, [K, K, C, O]);
      const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' };
      const gx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter }, { ...attrs, inputShape: [B, C, H, W] }) as tf.Tensor;
      const gw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: [K, K, C, O] }) as tf.Tensor;
      return [tf.transpose(gx, [0, 2, 3, 1]).dataSync(), gw.dataSync()];
    });
    expect(relError(dx, ref.dx)).to.be.at.most(1e-5);
    expect(relError(dw, ref.dw)).to.be.at.most(1e-5);
  });

  it('rejects a dy shape no forward conv can produce, without leaking', () => {
    const dataBefore = tf.engine().backend.numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    const filter = tf.ones([3, 3, 2, 4]);
    const dy = tf.ones([1, 9, 9, 4]);
    expect(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 5, 5, 2] })).to.throw(/cannot come from a forward conv/);
    tf.dispose([filter, dy]);
    expect(tf.memory().numTensors).to.equal(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).to.equal(dataBefore);
  });

  it('computes conv2dTranspose (which runs Conv2DBackpropInput) like cpu', async () => {
    const rng = new Prng(11);
    const xv = rng.values(2 * 5 * 5 * 6);
    const wv = rng.values(3 * 3 * 4 * 6);
    const run = () => tf.tidy(() => tf.conv2dTranspose(tf.tensor4d(xv, [2, 5, 5, 6]), tf.tensor4d(wv, [3, 3, 4, 6]), [2, 10, 10, 4], 2, 'same').dataSync());
    const wasm = run();
    await initBackend('cpu');
    const cpu = run();
    await initBackend('wasm');
    expect(relError(wasm, cpu)).to.be.at.most(1e-5);
  });
});
