import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { HOOK_EVENTS, type MutationPlan } from '@dyrep/core';
import { Conv2d, Linear } from '@dyrep/nn';
import { exactnessProbe, fakeTrainerContext, hookRecorder, tinyConvNet } from '@dyrep/testing';
import { useBackend } from '@dyrep/test-utils';

describe('@dyrep/testing', () => {
  useBackend('wasm');

  it('fakeTrainerContext records plans and logs, moves on request, and yields at most n batches', async () => {
    const model = tinyConvNet(1, 3, 4);
    const inputs = [tf.zeros([2, 6, 6, 1]), tf.ones([3, 6, 6, 1])];
    const ctx = fakeTrainerContext({ model, epochs: 5, lr: 0.05, batches: inputs });
    expect([ctx.epoch, ctx.step, ctx.epochs, ctx.lr]).to.deep.equal([0, 0, 5, 0.05]);
    ctx.epoch = 3;
    ctx.step = 40;
    expect([ctx.epoch, ctx.step]).to.deep.equal([3, 40]);
    const plan: MutationPlan = { source: 't', ops: [{ type: 'grow', path: 'features.0', branches: ['kxk', '1x1'] }] };
    ctx.proposeMutation(plan);
    ctx.log('hello');
    expect(ctx.proposed).to.deep.equal([plan]);
    expect(ctx.logs).to.deep.equal(['hello']);
    const sizes: number[] = [];
    for await (const b of ctx.trainingBatches(1)) sizes.push(b.size);
    for await (const b of ctx.trainingBatches(10)) sizes.push(b.size);
    for await (const b of ctx.trainingBatches(0)) sizes.push(b.size);
    expect(sizes).to.deep.equal([2, 2, 3]);
    tf.dispose(inputs);
    model.dispose();
  });

  it('hookRecorder handles every event and records the sequence with its arguments', () => {
    const recorder = hookRecorder({ priority: 90 });
    expect(recorder.priority).to.equal(90);
    expect(Object.keys(recorder.hooks).sort()).to.deep.equal([...HOOK_EVENTS].sort());
    const ctx = fakeTrainerContext({ model: tinyConvNet() });
    recorder.hooks.onEpochBegin!(ctx, 2);
    recorder.hooks.onEpochEnd!(ctx, 2, { loss: 1.5 });
    expect(recorder.events).to.deep.equal(['onEpochBegin', 'onEpochEnd']);
    expect(recorder.calls[1]).to.deep.equal({ event: 'onEpochEnd', args: [2, { loss: 1.5 }] });
    ctx.model.dispose();
  });

  it('exactnessProbe reports float rounding for a function-preserving change, a large ratio otherwise, and leaks nothing', async () => {
    const model = tinyConvNet(1, 4, 6);
    const probe = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 7);
    const plugin = exactnessProbe(probe);
    const ctx = fakeTrainerContext({ model, batches: [probe] });
    model.train(true);
    const variables = () => model.namedParameters().length + model.namedBuffers().length;
    const n0 = tf.memory().numTensors - variables();
    const plan: MutationPlan = { source: 't', ops: [{ type: 'grow', path: 'features.3', branches: ['kxk', '1x1'] }] };
    const result = { plan, added: [], removed: [], params: 0, flops: 0 };
    // An equivalent replacement (the same conv with copied weights) changes nothing.
    plugin.hooks.onBeforeMutate!(ctx, plan);
    const conv = model.getModule('features.3') as Conv2d;
    model.setModule('features.3', conv.withParameters(tf.clone(conv.weight) as tf.Tensor4D, null)).dispose();
    plugin.hooks.onAfterMutate!(ctx, result);
    expect(model.training, 'modes restored').to.equal(true);
    expect(tf.memory().numTensors - variables(), 'no tensor beyond the model variables').to.equal(n0);
    plugin.hooks.onBeforeMutate!(ctx, plan);
    tf.tidy(() => {
      const fc = model.getModule('fc') as Linear;
      fc.weight.assign(tf.mul(fc.weight, 2));
      fc.bias!.assign(tf.mul(fc.bias!, 2));
    });
    plugin.hooks.onAfterMutate!(ctx, result);
    expect(plugin.ratios).to.have.length(2);
    expect(plugin.ratios[0]).to.equal(0);
    expect(plugin.ratios[1]).to.be.closeTo(1, 1e-4);
    plugin.hooks.onBeforeMutate!(ctx, plan);
    plugin.hooks.teardown!(ctx);
    expect(tf.memory().numTensors - variables(), 'no tensor beyond the model variables').to.equal(n0);
    probe.dispose();
    model.dispose();
  });
});
