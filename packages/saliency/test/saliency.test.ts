import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Rng, type Module } from '@dyrep/nn';
import { growAt } from '@dyrep/rep-blocks';
import { createMetric, listMetrics, registerMetric, saliencyCollector, synflow, snip, gradNorm } from '@dyrep/saliency';
import { useBackend, expectNoLeak } from '@dyrep/test-utils';
import { fakeTrainerContext, tinyConvNet } from '@dyrep/testing';

const ctxFor = (model: Module) => fakeTrainerContext({ model });

/** Random gradients for every parameter of `model`, keyed by path. */
function fakeGrads(model: Module, seed: number): Map<string, tf.Tensor> {
  const rng = new Rng(seed);
  return new Map(model.namedParameters().map(([p, v]) => [p, tf.tensor(rng.normalArray(v.size), v.shape)]));
}

describe('saliency metrics', () => {
  useBackend('wasm');

  it('compute the spec formulas', () => {
    const w = tf.tensor1d([1, -2, 3]);
    const g = tf.tensor1d([0.5, 0.25, -1]);
    tf.tidy(() => {
      expect(synflow(w, g, new Rng()).dataSync()[0]).to.be.closeTo(0.5 - 0.5 - 3, 1e-6);
      expect(snip(w, g, new Rng()).dataSync()[0]).to.be.closeTo(0.5 + 0.5 + 3, 1e-6);
      expect(gradNorm(w, g, new Rng()).dataSync()[0]).to.be.closeTo(Math.sqrt(0.25 + 0.0625 + 1), 1e-6);
      const r = createMetric('random')(w, g, new Rng(3)).dataSync()[0];
      expect(r).to.be.within(0, 1);
    });
    tf.dispose([w, g]);
  });

  it('has a registry: custom metrics, reserved built-ins, helpful unknown-name errors', () => {
    expect(listMetrics()).to.include.members(['synflow', 'snip', 'grad_norm', 'random']);
    expect(() => createMetric('nope')).to.throw(/unknown saliency metric 'nope'; known saliency metrics: grad_norm, random, snip, synflow/);
    expect(() => registerMetric('synflow', synflow)).to.throw(/'synflow' is registered already/);
    expect(() => registerMetric('Bad Name', synflow)).to.throw(/lower-case/);
  });
});

describe('saliencyCollector', () => {
  useBackend('wasm');

  it('keeps a running mean per eligible conv and ranks them', async () => {
    const model = tinyConvNet(1, 4, 6);
    const collector = saliencyCollector({ metric: 'snip' });
    const ctx = ctxFor(model);
    const expected = new Map<string, number[]>();
    const loss = tf.scalar(0);
    await expectNoLeak(async () => {
      for (let step = 0; step < 3; step++) {
        const grads = fakeGrads(model, step);
        for (const path of ['features.0', 'features.3']) {
          const s = tf.tidy(() => snip(model.getModule(path).namedParameters()[0][1], grads.get(`${path}.weight`)!, new Rng()).dataSync()[0]);
          expected.set(path, [...(expected.get(path) ?? []), s]);
        }
        await collector.hooks.onAfterBackward!(ctx, step, { loss, grads });
        tf.dispose([...grads.values()]);
      }
    }, 'collector steps');
    loss.dispose();
    const ranking = collector.ranking(model);
    expect(ranking.map((r) => r.path).sort()).to.deep.equal(['features.0', 'features.3']);
    for (const r of ranking) {
      const xs = expected.get(r.path)!;
      expect(r.count).to.equal(3);
      expect(r.score).to.be.closeTo(xs.reduce((a, b) => a + b, 0) / 3, 1e-5);
    }
    expect(ranking[0].score).to.be.at.least(ranking[1].score);
    model.dispose();
  });

  it('uses a custom metric registered by name, resets on mutation, and round-trips its state', async () => {
    registerMetric('output_channels', (w) => tf.scalar(w.shape[w.rank - 1] as number));
    const model = tinyConvNet(1, 4, 6);
    const collector = saliencyCollector({ metric: 'output_channels' });
    const grads = fakeGrads(model, 1);
    await collector.hooks.onAfterBackward!(ctxFor(model), 0, { loss: tf.scalar(0), grads });
    expect(collector.ranking(model).map((r) => r.score)).to.deep.equal([6, 6]);
    const saved = JSON.parse(JSON.stringify(collector.state!.save()));
    await collector.hooks.onAfterMutate!(ctxFor(model), {} as never);
    expect(collector.ranking(model)).to.deep.equal([]);
    collector.state!.load(saved);
    expect(collector.ranking(model).map((r) => r.count)).to.deep.equal([1, 1]);
    tf.dispose([...grads.values()]);
    model.dispose();
  });

  it('excludes convs with two rep-blocks above them', async () => {
    const model = tinyConvNet(1, 4, 6);
    growAt(model, 'features.0', { branches: ['kxk', '1x1'] });
    growAt(model, 'features.0.kxk.conv', { branches: ['kxk', '1x1'] });
    const collector = saliencyCollector();
    const grads = fakeGrads(model, 2);
    await collector.hooks.onAfterBackward!(ctxFor(model), 0, { loss: tf.scalar(0), grads });
    expect(
      collector
        .ranking(model)
        .map((r) => r.path)
        .sort(),
    ).to.deep.equal(['features.3']);
    tf.dispose([...grads.values()]);
    model.dispose();
  });
});
