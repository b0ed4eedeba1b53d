import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { DataLoader, loadFashionMnist, takeFirst, trainTransforms, evalTransforms } from '@dyrep/data';
import { createModel } from '@dyrep/models';
import { manualSeed } from '@dyrep/nn';
import { listRepBlocks } from '@dyrep/rep-blocks';
import { saliencyCollector } from '@dyrep/saliency';
import { createPolicy } from '@dyrep/evolution';
import { Trainer, classificationTask, type FitResult } from '@dyrep/trainer';
import { useBackend } from '@dyrep/test-utils';
import { exactnessProbe } from '@dyrep/testing';

describe('DyRep end to end on a Fashion-MNIST subset (ResNet-18, width 0.125)', function () {
  this.timeout(600000);
  useBackend('wasm');
  const results: Record<string, FitResult & { probe: number[]; blocks: number }> = {};

  before(async () => {
    const train = takeFirst(await loadFashionMnist({ split: 'train' }), 512);
    const test = takeFirst(await loadFashionMnist({ split: 'test' }), 256);
    const probe = tf.tidy(() => tf.div(tf.tensor4d(test.images.slice(0, 8 * 784), [8, 28, 28, 1], 'float32'), 255));
    for (const policyName of ['none', 'dbb', 'dyrep']) {
      manualSeed(11);
      const model = createModel('resnet18', { width: 0.125, numClasses: 10, inChannels: 1, stem: 'cifar' });
      const saliency = saliencyCollector({ metric: 'synflow' });
      const policy = createPolicy(policyName, { saliency, adjustInterval: 1, topK: 2, recalBnBatches: 2, cut: { minStd: 0.001, maxWeight: 0.5 } });
      const probePlugin = exactnessProbe(probe);
      const trainer = new Trainer({
        model,
        task: classificationTask(),
        train: new DataLoader(train, { batchSize: 32, shuffle: true, seed: 3, transforms: trainTransforms('fashion-mnist') }),
        validation: new DataLoader(test, { batchSize: 128, transforms: evalTransforms('fashion-mnist') }),
        epochs: 4,
        lr: 0.05,
        inputShape: [28, 28, 1],
        plugins: [saliency, policy, probePlugin],
      });
      const fit = await trainer.fit();
      results[policyName] = { ...fit, probe: probePlugin.ratios, blocks: listRepBlocks(model).length };
      trainer.dispose();
      model.dispose();
    }
    probe.dispose();
  });

  it('trains the plain network (loss falls, accuracy at least twice chance)', () => {
    const h = results.none.history;
    expect(h[h.length - 1].trainLoss).to.be.below(h[0].trainLoss);
    expect(results.none.finalMetrics.top1).to.be.above(0.2);
    expect(results.none.events).to.deep.equal([]);
  });

  it('static DBB converts every eligible conv before the first epoch', () => {
    expect(results.dbb.events.every((e) => e.epoch === 0 && e.type === 'grow')).to.equal(true);
    expect(results.dbb.blocks).to.equal(results.dbb.events.length).and.to.be.above(15);
    expect(results.dbb.history[0].params).to.be.above(results.none.history[0].params);
    expect(results.dbb.finalMetrics.top1).to.be.above(0.2);
  });

  it('dyrep grows several convs, cuts branches, and every change is function-preserving', () => {
    const { events, probe, history } = results.dyrep;
    const grows = events.filter((e) => e.type === 'grow');
    const cuts = events.filter((e) => e.type === 'cut');
    expect(grows.length, JSON.stringify(events)).to.be.at.least(4);
    expect(cuts.length, JSON.stringify(events)).to.be.at.least(1);
    expect(probe.length).to.be.at.least(2);
    for (const r of probe) expect(r).to.be.below(1e-4);
    expect(history[history.length - 1].params).to.be.above(history[0].params - 1);
    expect(results.dyrep.finalMetrics.top1).to.be.above(0.2);
  });
});
