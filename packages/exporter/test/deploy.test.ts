import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { BatchNorm2d, Conv2d, Identity, ReLU, Rng, Sequential, countParams, type Module } from '@dyrep/nn';
import { createModel } from '@dyrep/models';
import { describeStructure, listRepBlocks } from '@dyrep/rep-blocks';
import { useBackend } from '@dyrep/test-utils';
import { EquivalenceError, deploy, deployWithReport, findConvBnPairs, traceGraph, verifyEquivalence } from '../src/index';
import { growModel, settleBatchNorms } from './helpers';

const OPTIONS = { width: 0.125, numClasses: 10, inputSize: 32 };

function snapshot(m: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

function nestedResNet(seed: number) {
  const rng = new Rng(seed);
  const model = createModel('resnet18', OPTIONS);
  growModel(model, 'full', true, rng);
  settleBatchNorms(model, rng, [4, 32, 32, 3]);
  return { model, rng };
}

describe('deploy', function () {
  useBackend('wasm');

  it('fuses nested blocks with cut branches, leaves the original untouched and leaks nothing', function () {
    const { model, rng } = nestedResNet(3);
    expect(
      listRepBlocks(model).some(({ block }) => block.depth === 1),
      'has nested blocks',
    ).to.equal(true);
    const structure = JSON.stringify(describeStructure(model));
    const before = snapshot(model);
    const modes = model.namedModules().map(([, m]) => m.training);
    const n0 = tf.memory().numTensors;
    const { model: deployed, fusedBlocks, foldedBatchNorms, equivalence } = deployWithReport(model);
    try {
      const own = deployed.parameters().length + deployed.namedBuffers().length;
      expect(tf.memory().numTensors - n0, 'tensors beyond the new model variables').to.equal(own);
      expect(fusedBlocks.length).to.be.greaterThan(0);
      expect(foldedBatchNorms.length).to.be.greaterThan(0);
      expect(equivalence!.maxRelDiff).to.be.at.most(1e-4);
      expect(listRepBlocks(deployed)).to.have.length(0);
      expect(JSON.stringify(describeStructure(model)), 'structure of the original').to.equal(structure);
      expect(snapshot(model), 'values of the original').to.deep.equal(before);
      expect(model.namedModules().map(([, m]) => m.training)).to.deep.equal(modes);
      const x = tf.tensor(rng.normalArray(4 * 32 * 32 * 3), [4, 32, 32, 3]);
      const r = verifyEquivalence(model, deployed, [x]);
      x.dispose();
      expect(r.maxRelDiff).to.be.at.most(1e-4);
      expect(r.top1Agreement).to.equal(1);
      // The original still works and its variables are distinct from the deployed ones.
      const ids = new Set(model.parameters().map((v) => v.id));
      expect(deployed.parameters().some((v) => ids.has(v.id))).to.equal(false);
    } finally {
      deployed.dispose();
    }
    expect(tf.memory().numTensors, 'after disposing the deployed model').to.equal(n0);
    model.dispose();
  });

  it('without BN folding keeps the BNs: params = plain + one bias per fused block', function () {
    const { model } = nestedResNet(4);
    const plain = createModel('resnet18', OPTIONS);
    const blocks = listRepBlocks(model).filter(({ block }) => block.depth === 0);
    const deployed = deploy(model, { foldBatchNorm: false });
    try {
      expect(deployed.namedModules().filter(([, m]) => m instanceof BatchNorm2d).length).to.equal(plain.namedModules().filter(([, m]) => m instanceof BatchNorm2d).length);
      expect(countParams(deployed)).to.equal(countParams(plain) + blocks.reduce((n, b) => n + b.block.outChannels, 0));
    } finally {
      deployed.dispose();
      plain.dispose();
      model.dispose();
    }
  });

  it('refuses beyond the tolerance with a clear error and leaks nothing', function () {
    const { model } = nestedResNet(6);
    const n0 = tf.memory().numTensors;
    expect(() => deploy(model, { tolerance: 1e-12 })).to.throw(EquivalenceError, /not equivalent.*relative max \|Δ\|.*tolerance 1e-12/);
    expect(tf.memory().numTensors).to.equal(n0);
    model.dispose();
  });

  it('folds a conv → BN pair only where the conv output feeds nothing else', function () {
    class Forked extends Sequential {
      override forward(x: tf.Tensor): tf.Tensor {
        return tf.tidy(() => {
          const y = this.getModule('conv').forward(x);
          return tf.add(this.getModule('bn').forward(y), y);
        });
      }
    }
    const plain = new Sequential({ conv: new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }), bn: new BatchNorm2d(3), relu: new ReLU() });
    const forked = new Forked({ conv: new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }), bn: new BatchNorm2d(3) });
    expect(findConvBnPairs(traceGraph(plain, [1, 5, 5, 2]))).to.deep.equal([{ conv: 'conv', bn: 'bn' }]);
    expect(findConvBnPairs(traceGraph(forked, [1, 5, 5, 2]))).to.deep.equal([]);
    const d = deploy(plain, { inputShape: [2, 5, 5, 2] });
    expect(d.getModule('bn')).to.be.instanceOf(Identity);
    expect((d.getModule('conv') as Conv2d).bias).to.not.equal(null);
    expect(plain.getModule('bn')).to.be.instanceOf(BatchNorm2d);
    const f = deploy(forked, { inputShape: [2, 5, 5, 2] });
    expect(f.getModule('bn')).to.be.instanceOf(BatchNorm2d);
    for (const m of [plain, forked, d, f]) m.dispose();
  });

  it('asks for an input shape when it cannot infer one', function () {
    const m = new Sequential(new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 1 }));
    expect(() => deploy(m)).to.throw(/pass inputShape/);
    m.dispose();
  });
});
