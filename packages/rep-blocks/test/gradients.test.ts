import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Rng } from '@dyrep/nn';
import { expectNoLeak, randomizeBatchNorms, useBackend } from '@dyrep/test-utils';
import { RepBlock, growAt, listPresets } from '../src/index';

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`gradients in training mode (${backend})`, () => {
    useBackend(backend);

    it('reach every parameter of every branch, nested blocks included', async () => {
      const rng = new Rng(backend === 'wasm' ? 3 : 4);
      const geometries = [
        { inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1 },
        { inChannels: 4, outChannels: 6, kernelSize: 3, padding: 1, stride: 2, groups: 2 },
        { inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, groups: 4 },
        { inChannels: 3, outChannels: 5, kernelSize: 5, padding: 0 },
      ];
      for (const [i, g] of geometries.entries()) {
        const block = new RepBlock({ ...g, branches: 'full' });
        growAt(block, 'kxk.conv', { branches: listPresets()[i] });
        growAt(block, '1x1_kxk.conv2', { branches: 'full' });
        randomizeBatchNorms(block, rng);
        block.train(true);
        const x = tf.randomNormal([2, 7, 7, g.inChannels]);
        const named = block.namedParameters();
        await expectNoLeak(() => {
          const r = tf.tidy(() => tf.randomNormal(block.forward(x).shape));
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(block.forward(x), r)) as tf.Scalar,
            named.map(([, v]) => v),
          );
          for (const [path, v] of named) {
            const gr = grads[v.name];
            expect(gr, `${backend} geometry ${i}: no gradient for ${path}`).to.not.equal(undefined);
            const norm = tf.tidy(() => tf.norm(gr).dataSync()[0]);
            expect(Number.isFinite(norm), `${path} gradient finite`).to.equal(true);
            // A bias directly followed by a training-mode BN has an exactly-zero gradient (the BN subtracts the batch mean).
            if (!path.endsWith('kxk.conv.bias')) expect(norm, `${backend} geometry ${i}: zero gradient for ${path}`).to.be.greaterThan(0);
          }
          value.dispose();
          r.dispose();
          tf.dispose(grads);
        }, 'forward + backward');
        x.dispose();
        block.dispose();
      }
    });
  });
}
