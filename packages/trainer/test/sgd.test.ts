import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { SGD } from '@dyrep/trainer';
import { useBackend, expectNoLeak } from '@dyrep/test-utils';

/** Reference SGD on plain numbers (PyTorch's update rule). */
function refSgd(w: number[], grads: number[][], lr: number, mu: number, wd: number, nesterov: boolean): number[] {
  let buf: number[] | null = null;
  w = [...w];
  for (const g0 of grads) {
    const g = g0.map((g, i) => g + wd * w[i]);
    buf = buf ? buf.map((b, i) => mu * b + g[i]) : [...g];
    const d = nesterov ? g.map((gi, i) => gi + mu * buf![i]) : buf;
    w = w.map((wi, i) => wi - lr * d[i]);
  }
  return w;
}

describe('SGD', () => {
  useBackend('wasm');

  for (const nesterov of [false, true]) {
    it(`matches the reference update rule (nesterov ${nesterov})`, () => {
      const w0 = [0.5, -1, 2];
      const grads = [
        [0.1, 0.2, -0.3],
        [-0.5, 0.1, 0.0],
        [0.3, 0.3, 0.3],
      ];
      const v = tf.variable(tf.tensor1d(w0));
      const opt = new SGD({ momentum: 0.9, weightDecay: 0.01, nesterov });
      for (const g of grads) {
        const gt = tf.tensor1d(g);
        opt.step([['p', v]], new Map([['p', gt]]), 0.1);
        gt.dispose();
      }
      const expected = refSgd(w0, grads, 0.1, 0.9, 0.01, nesterov);
      Array.from(v.dataSync()).forEach((x, i) => expect(x).to.be.closeTo(expected[i], 1e-6));
      opt.dispose();
      v.dispose();
    });
  }

  it('skips weight decay on 1-D parameters when asked', () => {
    const w = tf.variable(tf.tensor1d([1]));
    const k = tf.variable(tf.tensor2d([[1]]));
    const opt = new SGD({ momentum: 0, weightDecay: 0.5, decayBiasAndNorm: false });
    const zero1 = tf.zeros([1]);
    const zero2 = tf.zeros([1, 1]);
    opt.step(
      [
        ['b', w],
        ['k', k],
      ],
      new Map<string, tf.Tensor>([
        ['b', zero1],
        ['k', zero2],
      ]),
      1,
    );
    expect(w.dataSync()[0]).to.equal(1);
    expect(k.dataSync()[0]).to.be.closeTo(0.5, 1e-7);
    tf.dispose([w, k, zero1, zero2]);
  });

  it('keeps state by path across structure changes, without leaks', async () => {
    const a = tf.variable(tf.ones([2]));
    const b = tf.variable(tf.ones([2]));
    const g = tf.ones([2]);
    const opt = new SGD();
    await expectNoLeak(() => {
      opt.step(
        [
          ['a', a],
          ['b', b],
        ],
        new Map([
          ['a', g],
          ['b', g],
        ]),
        0.1,
      );
      const held = tf.memory().numTensors;
      opt.onStructureChange({ removed: ['a'] });
      expect(opt.statePaths()).to.deep.equal(['b']);
      expect(tf.memory().numTensors, 'removed state is disposed').to.equal(held - 1);
      opt.dispose();
    }, 'sgd step + structure change + dispose');
    tf.dispose([a, b, g]);
    expect(() => new SGD({ momentum: 1 })).to.throw(/momentum/);
    expect(() => new SGD({ momentum: 0, nesterov: true })).to.throw(/Nesterov/);
  });
});
