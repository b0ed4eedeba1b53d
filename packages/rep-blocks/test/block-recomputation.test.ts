import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Rng, type Module } from '@dyrep/nn';
import { expectNoLeak, randomizeBatchNorms, useBackend } from '@dyrep/test-utils';
import { growAt, listGrowableConvs, listPresets, setBlockRecomputation, setMergeStrategy, type MergeStrategy } from '../src/index';
import { randomizeBiases, tinyVgg, withRestoredBuffers } from './helpers';

/** Everything one training step of `model` on `x` produces: loss, input gradient, parameter gradients, buffers after. */
interface StepResult {
  loss: number;
  inputGrad: Float32Array;
  grads: Map<string, Float32Array>;
  buffers: Map<string, Float32Array>;
}

/** One step with block recomputation on or off; the buffers are restored afterwards so steps can be compared. */
function step(model: Module, x: tf.Tensor, r: tf.Tensor, recompute: boolean): StepResult {
  const previous = setBlockRecomputation(recompute);
  try {
    return withRestoredBuffers(model, () => {
      const named = model.namedParameters();
      const objective = (input: tf.Tensor) => tf.sum(tf.mul(model.forward(input), r)) as tf.Scalar;
      const { value, grads } = tf.variableGrads(
        () => objective(x),
        named.map(([, v]) => v),
      );
      const buffers = new Map(model.namedBuffers().map(([path, v]) => [path, v.dataSync().slice() as Float32Array]));
      const inputGrad = tf.tidy(() => tf.grad(objective)(x).dataSync() as Float32Array);
      const result: StepResult = {
        loss: value.dataSync()[0],
        inputGrad,
        grads: new Map(named.map(([path, v]) => [path, grads[v.name].dataSync() as Float32Array])),
        buffers,
      };
      tf.dispose([value, ...Object.values(grads)]);
      return result;
    });
  } finally {
    setBlockRecomputation(previous);
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`rep-block recomputation in the backward pass equals recording the forward (${backend})`, () => {
    useBackend(backend);

    it('loss, input and parameter gradients and running statistics, over random growth, nesting and merge strategies', async () => {
      const seed = backend === 'cpu' ? 31 : 32;
      const rng = new Rng(seed);
      const presets = listPresets();
      const strategies: MergeStrategy[] = ['separate', 'both'];
      for (let c = 0; c < 4; c++) {
        const model = tinyVgg(3, 4 + 2 * rng.nextInt(3));
        for (const { path } of listGrowableConvs(model)) {
          if (rng.nextFloat() < 0.8) growAt(model, path, { branches: presets[rng.nextInt(presets.length)] });
        }
        // A block nested in a kxk branch: its own forward runs inside the outer block's recomputation.
        const nestable = listGrowableConvs(model).filter(({ path }) => path.endsWith('kxk.conv'));
        if (nestable.length > 0) growAt(model, nestable[rng.nextInt(nestable.length)].path, { branches: 'full' });
        randomizeBatchNorms(model, rng);
        randomizeBiases(model, rng);
        model.train(true);
        const size = 6 + rng.nextInt(5);
        const x = tf.randomNormal([2 + rng.nextInt(3), size, size, 3], 0, 1, 'float32', seed * 10 + c);
        const r = tf.tidy(() => tf.randomNormal(model.forward(x).shape, 0, 1, 'float32', seed * 10 + 100 + c));
        const strategy = strategies[c % strategies.length];
        const previousStrategy = setMergeStrategy(strategy);
        try {
          await expectNoLeak(() => {
            const reference = step(model, x, r, false);
            const recomputed = step(model, x, r, true);
            const label = `case ${c} (seed ${seed}, merge ${strategy})`;
            // The backward runs the same kernels on the same values in the same order: equal to the last bit.
            expect(recomputed.loss, `${label}: loss`).to.equal(reference.loss);
            expect(maxDiff(recomputed.inputGrad, reference.inputGrad), `${label}: d input`).to.equal(0);
            for (const [path, g] of reference.grads) expect(maxDiff(recomputed.grads.get(path)!, g), `${label}: d ${path}`).to.equal(0);
            for (const [path, b] of reference.buffers) expect(maxDiff(recomputed.buffers.get(path)!, b), `${label}: ${path} updated once`).to.equal(0);
          }, `recomputation case ${c}`);
        } finally {
          setMergeStrategy(previousStrategy);
        }
        tf.dispose([x, r]);
        model.dispose();
      }
    });

    it('keeps fewer bytes alive during a step', async () => {
      const model = tinyVgg(3, 8);
      for (const { path } of listGrowableConvs(model)) growAt(model, path, { branches: 'full' });
      model.train(true);
      const x = tf.randomNormal([4, 12, 12, 3], 0, 1, 'float32', 5);
      const peak = async (recompute: boolean) => {
        const previous = setBlockRecomputation(recompute);
        try {
          const info = await tf.profile(() => {
            const { value, grads } = tf.variableGrads(() => tf.sum(model.forward(x)) as tf.Scalar);
            tf.dispose([value, ...Object.values(grads)]);
          });
          return info.peakBytes;
        } finally {
          setBlockRecomputation(previous);
        }
      };
      const recorded = await peak(false);
      const recomputed = await peak(true);
      expect(recomputed, `peak bytes ${recomputed} recomputed vs ${recorded} recorded`).to.be.below(0.6 * recorded);
      x.dispose();
      model.dispose();
    });
  });
}

describe('setBlockRecomputation', () => {
  it('returns the previous setting and refuses a non-boolean in one line', () => {
    const first = setBlockRecomputation(true);
    expect(setBlockRecomputation(first)).to.equal(true);
    expect(() => setBlockRecomputation('yes' as unknown as boolean)).to.throw(/setBlockRecomputation: expected true or false, got yes/);
  });
});
