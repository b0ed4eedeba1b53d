import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Conv2d, Rng, normalizePadding, type ExplicitPadding2d } from '@dyrep/nn';
import { useBackend, refConv2d, randomArr, expectArrayClose, expectNoLeak } from '@dyrep/test-utils';

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`Conv2d on ${backend}`, () => {
    useBackend(backend);

    it('matches a brute-force grouped convolution over 40 random configurations', () => {
      const rng = new Rng(backend === 'wasm' ? 11 : 12);
      for (let t = 0; t < 40; t++) {
        const groupsKind = rng.nextInt(3); // 0: dense, 1: groups 2, 2: depthwise
        const g = groupsKind === 0 ? 1 : groupsKind === 1 ? 2 : 1 + rng.nextInt(4);
        const cin = groupsKind === 2 ? g : g * (1 + rng.nextInt(3));
        const cout = groupsKind === 2 ? g * (1 + rng.nextInt(2)) : g * (1 + rng.nextInt(3));
        const k = [1, 3, 5][rng.nextInt(3)];
        const stride = 1 + rng.nextInt(2);
        const dilation = stride === 1 && rng.nextFloat() < 0.3 ? 2 : 1;
        const pad: ExplicitPadding2d = [
          [rng.nextInt(3), rng.nextInt(3)],
          [rng.nextInt(3), rng.nextInt(3)],
        ];
        const h = k * dilation + rng.nextInt(6);
        const w = k * dilation + rng.nextInt(6);
        const n = 1 + rng.nextInt(2);
        const conv = new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: k, stride, padding: pad, dilation, groups: g, bias: rng.nextFloat() < 0.5 });
        if (conv.bias) conv.bias.assign(tf.randomNormal([cout]));
        const x = randomArr(rng, [n, h, w, cin]);
        const wArr = { data: conv.weight.dataSync() as Float32Array, shape: conv.weight.shape };
        const ref = refConv2d(x, wArr, conv.bias ? (conv.bias.dataSync() as Float32Array) : null, [stride, stride], pad, [dilation, dilation], g);
        const y = tf.tidy(() => conv.forward(tf.tensor(x.data, x.shape)));
        expectArrayClose(y, ref, 1e-5, 1e-5, `config ${t}: cin ${cin} cout ${cout} k ${k} s ${stride} d ${dilation} g ${g} pad ${JSON.stringify(pad)}`);
        y.dispose();
        conv.dispose();
      }
    });

    it('accepts same/valid padding and reports bad arguments clearly', () => {
      expect(normalizePadding(2)).to.deep.equal([
        [2, 2],
        [2, 2],
      ]);
      expect(normalizePadding([1, 2])).to.deep.equal([
        [1, 1],
        [2, 2],
      ]);
      expect(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).to.throw(/divisible by groups/);
      expect(() => new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, stride: 2, dilation: 2 })).to.throw(/dilation/);
      expect(() => normalizePadding(-1)).to.throw(/non-negative/);
      const conv = new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 'same' });
      const y = tf.tidy(() => conv.forward(tf.ones([1, 5, 5, 4])));
      expect(y.shape).to.deep.equal([1, 5, 5, 4]);
      y.dispose();
      expect(() => tf.tidy(() => conv.forward(tf.ones([1, 5, 5, 3])))).to.throw(/input has 3 channels/);
      conv.dispose();
    });

    it('withParameters copies the geometry with new kernel and bias', () => {
      const conv = new Conv2d({
        inChannels: 4,
        outChannels: 6,
        kernelSize: 3,
        stride: 2,
        padding: [
          [1, 0],
          [0, 1],
        ],
        groups: 2,
      });
      const copy = conv.withParameters(tf.ones([3, 3, 2, 6]) as tf.Tensor4D, tf.fill([6], 0.5) as tf.Tensor1D);
      expect([copy.inChannels, copy.outChannels, copy.kernelSize, copy.stride, copy.padding, copy.groups]).to.deep.equal([
        4,
        6,
        [3, 3],
        [2, 2],
        [
          [1, 0],
          [0, 1],
        ],
        2,
      ]);
      expect(Array.from(copy.bias!.dataSync())).to.deep.equal([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
      expect(copy.weight).to.not.equal(conv.weight);
      expect(() => conv.withParameters(tf.ones([3, 3, 4, 6]) as tf.Tensor4D, null)).to.throw(/weight has shape/);
      conv.dispose();
      copy.dispose();
    });

    it('leaves no tensors behind in forward and backward', async () => {
      const conv = new Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, padding: 1, groups: 2, bias: true });
      const x = tf.randomNormal([2, 6, 6, 4]);
      await expectNoLeak(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(conv.forward(x)) as tf.Scalar, conv.parameters());
        value.dispose();
        tf.dispose(grads);
      }, 'conv forward+backward');
      x.dispose();
      conv.dispose();
    });
  });
}
