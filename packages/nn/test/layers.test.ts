import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { AvgPool2d, Dropout, Flatten, GlobalAvgPool, Identity, Linear, MaxPool2d, ReLU, Rng, Sequential } from '@dyrep/nn';
import { useBackend, refPool2d, randomArr, expectArrayClose, expectNoLeak } from '@dyrep/test-utils';

describe('pooling, linear and simple layers', () => {
  useBackend('wasm');

  it('MaxPool2d and AvgPool2d match loops over random shapes, strides and paddings', () => {
    const rng = new Rng(21);
    for (let t = 0; t < 20; t++) {
      const k = 1 + rng.nextInt(3);
      const stride = 1 + rng.nextInt(2);
      const pad = rng.nextInt(Math.floor(k / 2) + 1);
      const x = randomArr(rng, [1 + rng.nextInt(2), k + rng.nextInt(5), k + rng.nextInt(5), 1 + rng.nextInt(3)]);
      for (const kind of ['max', 'avg'] as const) {
        const layer = kind === 'max' ? new MaxPool2d(k, { stride, padding: pad }) : new AvgPool2d(k, { stride, padding: pad });
        const y = tf.tidy(() => layer.forward(tf.tensor(x.data, x.shape)));
        expectArrayClose(y, refPool2d(x, k, stride, pad, kind), 1e-6, 1e-6, `${kind} k${k} s${stride} p${pad}`);
        y.dispose();
      }
    }
  });

  it('Linear computes x·W + b', () => {
    const lin = new Linear(3, 2);
    const w = lin.weight.arraySync() as number[][];
    const b = lin.bias!.arraySync() as number[];
    const x = [[1, -2, 0.5]];
    const y = tf.tidy(() => lin.forward(tf.tensor2d(x)));
    const expected = [0, 1].map((o) => x[0].reduce((acc, v, i) => acc + v * w[i][o], b[o]));
    expectArrayClose(y, { data: expected, shape: [1, 2] }, 1e-6, 1e-6, 'linear');
    y.dispose();
    expect(() => tf.tidy(() => lin.forward(tf.ones([1, 4])))).to.throw(/expected input \[N, 3\]/);
    lin.dispose();
  });

  it('GlobalAvgPool, Flatten, ReLU, Identity, Dropout behave and do not leak', async () => {
    const x = tf.tensor4d([1, -2, 3, -4, 5, -6, 7, -8], [1, 2, 2, 2]);
    await expectNoLeak(() => {
      tf.tidy(() => {
        expect(Array.from(new GlobalAvgPool().forward(x).dataSync())).to.deep.equal([4, -5]);
        expect(new Flatten().forward(x).shape).to.deep.equal([1, 8]);
        expect(Array.from(new ReLU().forward(x).dataSync())).to.deep.equal([1, 0, 3, 0, 5, 0, 7, 0]);
        expect(Array.from(new Identity().forward(x).dataSync())).to.deep.equal(Array.from(x.dataSync()));
        const drop = new Dropout(0.5);
        const kept = drop.forward(tf.ones([1000])).dataSync();
        const zeros = kept.filter((v) => v === 0).length;
        expect(zeros).to.be.within(400, 600);
        expect(kept.filter((v) => v !== 0).every((v) => v === 2)).to.equal(true);
        drop.eval();
        expect(Array.from(drop.forward(x).dataSync())).to.deep.equal(Array.from(x.dataSync()));
        const seq = new Sequential(new ReLU(), new Flatten());
        expect(seq.forward(x).shape).to.deep.equal([1, 8]);
      });
    });
    x.dispose();
    expect(() => new Dropout(1)).to.throw(/rate/);
  });
});
