import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import type { MutationPlan } from '@dyrep/core';
import { createModel } from '@dyrep/models';
import type { SaliencyCollector } from '@dyrep/saliency';
import { createPolicy, dyrepPolicy, listPolicies, registerPolicy, staticPolicy } from '@dyrep/evolution';
import { applyMutationPlan, isRepBlock, listRepBlocks, growAt } from '@dyrep/rep-blocks';
import { useBackend } from '@dyrep/test-utils';
import { fakeTrainerContext, tinyConvNet, type FakeTrainerContext } from '@dyrep/testing';
import type { Module } from '@dyrep/nn';

/** A context that records proposed plans. */
function recordingContext(model: Module, epochs = 100): { ctx: FakeTrainerContext; plans: MutationPlan[] } {
  const ctx = fakeTrainerContext({ model, epochs });
  return { ctx, plans: ctx.proposed };
}

const fixedRanking = (paths: string[]): SaliencyCollector => ({ id: 'saliency', hooks: {}, ranking: () => paths.map((path, i) => ({ path, score: -i, count: 1 })), reset() {} }) as SaliencyCollector;

/** A tiny net whose `features.0` is a DBB block with one collapsed branch (`1x1_kxk`, BN γ = 0.01, below the spec's cut threshold). */
function netWithCollapsedBranch() {
  const model = tinyConvNet(1, 4, 6);
  const block = growAt(model, 'features.0', { branches: ['kxk', '1x1', '1x1_kxk', '1x1_avg'] });
  tf.tidy(() => {
    block.branch('1x1').lastBn.weight.assign(tf.fill([6], 0.5));
    block.branch('1x1_kxk').lastBn.weight.assign(tf.fill([6], 0.01));
    block.branch('1x1_avg').lastBn.weight.assign(tf.fill([6], 0.3));
  });
  return { model, block };
}

describe('evolution policies', () => {
  useBackend('wasm');

  it('dyrep grows the top-k ranked convs every adjustInterval epochs while epoch < maxAdjustEpochs', () => {
    const model = tinyConvNet(1, 4, 6);
    const policy = dyrepPolicy({ saliency: fixedRanking(['features.3', 'features.0']), adjustInterval: 2, maxAdjustEpochs: 4, topK: 1, recalBnBatches: 5 });
    expect(policy.dependsOn).to.deep.equal(['saliency']);
    const { ctx, plans } = recordingContext(model);
    for (let epoch = 0; epoch < 8; epoch++) policy.hooks.onEpochEnd!(ctx, epoch, {});
    expect(plans.map((p) => p.ops.map((o) => `${o.type}:${o.path}`))).to.deep.equal([['grow:features.3'], ['grow:features.3']]);
    expect(plans[0].ops[0].branches).to.deep.equal(['kxk', '1x1', '1x1_kxk', '1x1_avg', '1xk', 'kx1']);
    expect(plans[0].recalibrateBnBatches).to.equal(5);
    model.dispose();
  });

  it('dyrep proposes nothing after the last epoch of the run', () => {
    const model = tinyConvNet(1, 4, 6);
    const policy = dyrepPolicy({ saliency: fixedRanking(['features.3']), adjustInterval: 1 });
    const { ctx, plans } = recordingContext(model, 3);
    for (let epoch = 0; epoch < 3; epoch++) policy.hooks.onEpochEnd!(ctx, epoch, {});
    expect(plans).to.have.length(2);
    model.dispose();
  });

  it('dyrep cuts collapsed branches of existing blocks by the spec rule', () => {
    const { model } = netWithCollapsedBranch();
    const { ctx, plans } = recordingContext(model);
    dyrepPolicy({ saliency: fixedRanking([]), adjustInterval: 1 }).hooks.onEpochEnd!(ctx, 0, {});
    expect(plans).to.have.length(1);
    expect(plans[0].ops).to.deep.equal([{ type: 'cut', path: 'features.0', branches: ['1x1_kxk'] }]);
    model.dispose();
  });

  it('static presets convert every eligible conv before training and drop the BN after it', async () => {
    const model = createModel('resnet18', { width: 0.125, numClasses: 10, inChannels: 1, stem: 'cifar' });
    const { ctx, plans } = recordingContext(model);
    createPolicy('dbb').hooks.onTrainBegin!(ctx);
    expect(plans).to.have.length(1);
    const result = await applyMutationPlan(model, plans[0], { inputShape: [28, 28, 1] });
    const blocks = listRepBlocks(model);
    expect(blocks.map((b) => b.path)).to.include.members(['conv1', 'layer1.0.conv1', 'layer4.1.conv2']);
    expect(blocks.every(({ block }) => block.branchKinds.join() === 'kxk,1x1,1x1_kxk,1x1_avg')).to.equal(true);
    expect(model.getModule('bn1').constructor.name).to.equal('Identity');
    expect(model.getModule('layer1.0.bn2').constructor.name).to.equal('Identity');
    expect(result.removed).to.include('bn1.weight');
    const again = recordingContext(model);
    createPolicy('dbb').hooks.onTrainBegin!(again.ctx);
    expect(again.plans).to.have.length(0);
    expect(isRepBlock(model.getModule('layer2.0.conv1'))).to.equal(true);
    model.dispose();
  });

  it("the authors' static DBB converts only the 3×3 convs, into freshly initialised blocks", async () => {
    // ImageNet stem: conv1 is 7×7, so the two variants differ in which convs they convert.
    const build = () => createModel('resnet18', { width: 0.0625, numClasses: 10, inChannels: 1, stem: 'imagenet' });
    const ours = recordingContext(build());
    createPolicy('dbb').hooks.onTrainBegin!(ours.ctx);
    const theirs = recordingContext(build());
    createPolicy('dbb', { dbbVariant: 'authors' }).hooks.onTrainBegin!(theirs.ctx);
    const paths = (plans: MutationPlan[]) => plans[0].ops.map((o) => o.path);
    expect(paths(ours.plans)).to.include('conv1');
    expect(paths(theirs.plans)).to.deep.equal(paths(ours.plans).filter((p) => p !== 'conv1'));
    expect(theirs.plans[0].ops.every((o) => o.type === 'grow' && o.init === 'fresh' && o.dropFollowingBn)).to.equal(true);
    expect(ours.plans[0].ops.every((o) => o.type === 'grow' && o.init === undefined)).to.equal(true);
    await applyMutationPlan(theirs.ctx.model, theirs.plans[0], { inputShape: [32, 32, 1] });
    const blocks = listRepBlocks(theirs.ctx.model);
    expect(blocks.every(({ block }) => block.geometry.kernelSize === 3)).to.equal(true);
    for (const { block } of blocks)
      for (const bn of block
        .namedModules()
        .map(([, m]) => m)
        .filter((m) => m.constructor.name === 'BatchNorm2d')) {
        expect(Array.from((bn as unknown as { weight: tf.Tensor }).weight.dataSync()).every((v) => v === 1)).to.equal(true);
      }
    expect(() => staticPolicy({ preset: 'dbb', variant: 'theirs' as never })).to.throw(/variant must be 'preserving' or 'authors'/);
    ours.ctx.model.dispose();
    theirs.ctx.model.dispose();
  });

  it("dyrep's cutMode 'reset' asks for the authors' cut, and the trainer applies it exactly", async () => {
    const { model, block } = netWithCollapsedBranch();
    const { ctx, plans } = recordingContext(model);
    dyrepPolicy({ saliency: fixedRanking([]), adjustInterval: 1, cutMode: 'reset' }).hooks.onEpochEnd!(ctx, 0, {});
    expect(plans[0].ops).to.deep.equal([{ type: 'cut', path: 'features.0', branches: ['1x1_kxk'], mode: 'reset' }]);
    // Applied, the plan resets kxk's BN (the trainer passes the mode on).
    tf.tidy(() => block.kxk.bn.runningMean.assign(tf.fill([6], 0.3)));
    const x = tf.randomNormal([2, 8, 8, 1]);
    model.eval();
    const y0 = model.forward(x);
    await applyMutationPlan(model, plans[0], { inputShape: [8, 8, 1] });
    expect(Array.from(block.kxk.bn.runningMean.dataSync()).every((v) => v === 0)).to.equal(true);
    const y1 = model.forward(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y1, y0))).dataSync()[0] / tf.max(tf.abs(y0)).dataSync()[0])).to.be.below(1e-5);
    tf.dispose([x, y0, y1]);
    expect(() => dyrepPolicy({ saliency: fixedRanking([]), cutMode: 'chop' as never })).to.throw(/cutMode must be 'fold' or 'reset'/);
    model.dispose();
  });

  it('has a registry with clear errors', () => {
    expect(listPolicies()).to.include.members(['none', 'dyrep', 'dbb', 'repvgg', 'acb']);
    expect(() => createPolicy('grow-everything')).to.throw(/unknown policy 'grow-everything'; known policies: acb, dbb, dyrep, none, repvgg/);
    expect(() => createPolicy('dyrep')).to.throw(/needs a saliency collector/);
    expect(() => dyrepPolicy({ saliency: fixedRanking([]), adjustInterval: 0 })).to.throw(/adjustInterval must be a positive integer/);
    const off = registerPolicy('acb-late', () => staticPolicy({ preset: 'acb', id: 'acb-late' }));
    expect(createPolicy('acb-late').id).to.equal('acb-late');
    expect(() => registerPolicy('dbb', () => staticPolicy({ preset: 'dbb' }))).to.throw(/policy 'dbb' is registered already/);
    off();
    expect(listPolicies()).to.not.include('acb-late');
  });
});
