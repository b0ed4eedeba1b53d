import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { BatchNorm2d, Rng, countFlops, countParams } from '@dyrep/nn';
import { expectNoLeak, randomizeBatchNorms, useBackend } from '@dyrep/test-utils';
import { RepBlock, applyStructure, describeStructure, fuseModel, growAt, isRepBlock, listGrowableConvs, listRepBlocks, presetBranches, recalibrateBn } from '../src/index';
import { randomizeBiases, relDiff, tinyVgg } from './helpers';

/** Grows tinyVgg's convs with every preset and two nesting levels. */
function grownVgg(rng: Rng) {
  const model = tinyVgg();
  randomizeBiases(model, rng);
  growAt(model, '0', { branches: 'full' });
  growAt(model, '0.kxk.conv', { branches: 'dbb' });
  growAt(model, '0.1x1_kxk.conv2', { branches: 'full' });
  growAt(model, '3', { branches: 'repvgg' });
  growAt(model, '6', { branches: 'dbb' });
  growAt(model, '9', { branches: 'acb' });
  growAt(model, '9.kxk.conv', { branches: 'repvgg' });
  growAt(model, '11', { branches: 'full' });
  randomizeBatchNorms(model, rng);
  randomizeBiases(model, rng);
  return model;
}

describe('models of rep-blocks (wasm)', () => {
  useBackend('wasm');

  it('names branches and their children as documented', () => {
    const block = new RepBlock({ inChannels: 4, outChannels: 4, kernelSize: 3, branches: 'full', groups: 4 });
    const names = block.namedParameters().map(([n]) => n);
    for (const n of [
      'kxk.conv.weight',
      'kxk.conv.bias',
      'kxk.bn.weight',
      '1x1.conv.weight',
      '1x1.bn.bias',
      '1x1_kxk.conv1.weight',
      '1x1_kxk.bn1.weight',
      '1x1_kxk.conv2.weight',
      '1x1_kxk.bn2.weight',
      '1x1_avg.bn2.weight',
      '1xk.conv.weight',
      'kx1.conv.weight',
      'id.bn.weight',
    ]) {
      expect(names, n).to.include(n);
    }
    expect(names).to.not.include('1x1_avg.conv.weight'); // depthwise cin = cout = groups: pool only
    expect(block.namedBuffers().map(([n]) => n)).to.include('1x1_kxk.bn1.running_var');
    expect(block.namedChildren().map(([n]) => n)).to.deep.equal(['kxk', '1x1', '1x1_kxk', '1x1_avg', '1xk', 'kx1', 'id']);
    expect([...block.branches]).to.deep.equal(block.branchKinds);
    block.dispose();
    const dense = new RepBlock({ inChannels: 4, outChannels: 6, kernelSize: 3, branches: 'dbb' });
    expect(dense.namedParameters().map(([n]) => n)).to.include.members(['1x1_avg.conv.weight', '1x1_avg.bn1.weight', '1x1_avg.bn2.weight']);
    dense.dispose();
  });

  it('presets keep only valid branches; unknown presets list the known ones', () => {
    const centred = { inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1 };
    expect(presetBranches('dbb', centred)).to.deep.equal(['kxk', '1x1', '1x1_kxk', '1x1_avg']);
    expect(presetBranches('dbb', { ...centred, padding: 0 })).to.deep.equal(['kxk', '1x1_kxk', '1x1_avg']);
    expect(presetBranches('repvgg', centred)).to.deep.equal(['kxk', '1x1', 'id']);
    expect(presetBranches('repvgg', { ...centred, stride: 2 })).to.deep.equal(['kxk', '1x1']);
    expect(presetBranches('acb', centred)).to.deep.equal(['kxk', '1xk', 'kx1']);
    expect(presetBranches('full', { ...centred, outChannels: 8 })).to.deep.equal(['kxk', '1x1', '1x1_kxk', '1x1_avg', '1xk', 'kx1']);
    expect(() => presetBranches('acnet', centred)).to.throw(/unknown rep-block preset 'acnet' \(known: dbb, repvgg, acb, full\)/);
    expect(() => new RepBlock({ ...centred, kernelSize: 4, padding: 2, branches: ['kxk', '1x1'] })).to.throw(/'1x1' needs an odd kernel/);
  });

  it('fuseModel: fused outputs equal, parameter count and FLOPs equal the plain model; no leaks', async () => {
    const rng = new Rng(5);
    const plain = tinyVgg();
    const model = grownVgg(rng);
    expect(listRepBlocks(model).map((e) => `${e.path}@${e.block.depth}`)).to.deep.equal(['0@0', '0.kxk.conv@1', '0.1x1_kxk.conv2@1', '3@0', '6@0', '9@0', '9.kxk.conv@1', '11@0']);
    model.eval();
    const x = tf.randomNormal([3, 8, 8, 3]);
    const y = model.forward(x);
    await expectNoLeak(() => {
      const fused = fuseModel(model);
      expect(listRepBlocks(fused)).to.have.length(0);
      expect(fused.training).to.equal(false);
      const z = fused.forward(x);
      const { ratio } = relDiff(z, y);
      expect(ratio).to.be.at.most(1e-4);
      expect(countParams(fused)).to.equal(countParams(plain));
      expect(countFlops(fused, [8, 8, 3])).to.equal(countFlops(plain, [8, 8, 3]));
      expect(countParams(model)).to.be.greaterThan(countParams(plain));
      z.dispose();
      fused.dispose();
    }, 'fuseModel on a clone');
    expect(listRepBlocks(model)).to.have.length(8); // source untouched
    const before = tf.memory().numTensors;
    const inPlace = fuseModel(model, { inPlace: true });
    expect(inPlace).to.equal(model);
    expect(listRepBlocks(model)).to.have.length(0);
    const z = model.forward(x);
    expect(relDiff(z, y).ratio).to.be.at.most(1e-4);
    z.dispose();
    expect(tf.memory().numTensors).to.be.lessThan(before);
    const plainCopy = fuseModel(plain);
    expect(plainCopy).to.not.equal(plain);
    plainCopy.dispose();
    tf.dispose([x, y]);
    model.dispose();
    plain.dispose();
  });

  it('describeStructure → JSON → applyStructure on a plain model → loadStateDict reproduces the model', () => {
    const rng = new Rng(6);
    const model = grownVgg(rng).eval();
    const structure = JSON.parse(JSON.stringify(describeStructure(model)));
    expect(structure.map((s: { path: string }) => s.path)).to.deep.equal(['0', '3', '6', '9', '11']);
    expect(structure[0].nested.map((s: { path: string; depth: number }) => `${s.path}@${s.depth}`)).to.deep.equal(['kxk.conv@1', '1x1_kxk.conv2@1']);
    expect(structure[3].branches).to.deep.equal(['kxk', '1xk', 'kx1']);
    const rebuilt = tinyVgg();
    applyStructure(rebuilt, structure);
    expect(describeStructure(rebuilt)).to.deep.equal(structure);
    rebuilt.loadStateDict(model.stateDict());
    rebuilt.eval();
    const x = tf.randomNormal([2, 8, 8, 3]);
    const [a, b] = [model.forward(x), rebuilt.forward(x)];
    expect(relDiff(b, a).diff).to.equal(0);
    tf.dispose([x, a, b]);
    model.dispose();
    rebuilt.dispose();
  });

  it('listGrowableConvs follows the depth rule', () => {
    const model = tinyVgg();
    expect(listGrowableConvs(model).map((g) => g.path)).to.deep.equal(['0', '3', '6', '9', '11']);
    growAt(model, '0');
    const paths = listGrowableConvs(model).map((g) => `${g.path}@${g.depth}`);
    expect(paths).to.include.members(['0.kxk.conv@1', '0.1x1_kxk.conv2@1', '3@0']);
    expect(paths.some((p) => p.startsWith('0.1x1.') || p.startsWith('0.1xk'))).to.equal(false);
    growAt(model, '0.kxk.conv');
    expect(listGrowableConvs(model).map((g) => g.path)).to.not.include('0.kxk.conv.kxk.conv');
    expect(isRepBlock(model.getModule('0.kxk.conv'))).to.equal(true);
    model.dispose();
  });

  it('recalibrateBn: cumulative average over the batches, parameters and modes untouched', () => {
    const rng = new Rng(7);
    const model = tinyVgg();
    const block = growAt(model, '3', { branches: 'repvgg' });
    randomizeBatchNorms(model, rng);
    model.train(true);
    block.branch('1x1').train(false);
    const params = model.parameters().map((p) => p.dataSync().slice());
    const otherBn = model.getModule('1') as BatchNorm2d;
    const otherStats = otherBn.runningMean.dataSync().slice();
    // inputs of block 3 are whatever reaches it; check the id branch's BN, which sees the block input directly
    const inputs = [0, 1, 2].map(() => tf.randomNormal([2, 8, 8, 3], 0.5, 2));
    const blockInputs: tf.Tensor[] = [];
    const unhook = block.registerForwardPreHook((_, x) => void blockInputs.push(tf.keep(x.clone())));
    const before = tf.memory().numTensors;
    expect(recalibrateBn(block, inputs, { root: model })).to.equal(3);
    expect(tf.memory().numTensors - before, 'only the 3 captured block inputs are new').to.equal(3);
    unhook();
    const c = 8;
    const means = blockInputs.map((x) => tf.tidy(() => tf.moments(x, [0, 1, 2])));
    const expectedMean = tf.tidy(() => tf.div(tf.addN(means.map((m) => m.mean)), 3));
    const count = blockInputs[0].size / c;
    const expectedVar = tf.tidy(() => tf.div(tf.addN(means.map((m) => tf.mul(m.variance, count / (count - 1)))), 3));
    const idBn = block.branch('id').lastBn;
    expect(relDiff(idBn.runningMean, expectedMean).diff).to.be.at.most(1e-5);
    expect(relDiff(idBn.runningVar, expectedVar).ratio).to.be.at.most(1e-5);
    expect(idBn.momentum).to.equal(0.1);
    expect(Array.from(otherBn.runningMean.dataSync())).to.deep.equal(Array.from(otherStats));
    model.parameters().forEach((p, i) => expect(Array.from(p.dataSync())).to.deep.equal(Array.from(params[i])));
    expect(model.training).to.equal(true);
    expect(block.branch('1x1').training).to.equal(false);
    tf.dispose([...inputs, ...blockInputs, expectedMean, expectedVar, ...means.flatMap((m) => [m.mean, m.variance])]);
    model.dispose();
  });
});
