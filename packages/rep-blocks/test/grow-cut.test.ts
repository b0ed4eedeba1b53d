import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Conv2d, Rng } from '@dyrep/nn';
import { expectNoLeak, randomizeBatchNorms, useBackend } from '@dyrep/test-utils';
import { BRANCH_KINDS, RepBlock, growAt, growConv, listPresets, selectBranchesToCut, validBranches, type BranchKind } from '../src/index';
import { randomConfig, randomConv, relDiff } from './helpers';

const TOL = 1e-4;

function evalOut(m: { forward(x: tf.Tensor): tf.Tensor; training: boolean; train(mode?: boolean): unknown }, x: tf.Tensor): tf.Tensor {
  const mode = m.training;
  m.train(false);
  const y = m.forward(x);
  m.train(mode);
  return y;
}

function expectSame(a: tf.Tensor, b: tf.Tensor, what: string): number {
  const { ratio, diff, scale } = relDiff(a, b);
  expect(ratio, `${what}: max |Δ| ${diff} vs max |ref| ${scale}`).to.be.at.most(TOL);
  return ratio;
}

/** One SGD step in training mode on a random regression target. */
function sgdStep(block: RepBlock, x: tf.Tensor, target: tf.Tensor, lr: number): void {
  block.train(true);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(block.forward(x), target))) as tf.Scalar, block.parameters());
  tf.tidy(() => {
    for (const v of block.parameters()) if (grads[v.name]) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
  });
  value.dispose();
  tf.dispose(grads);
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`grow and cut (${backend})`, () => {
    useBackend(backend);
    const seed = backend === 'wasm' ? 7 : 8;

    it('growConv reproduces the conv exactly (with and without bias, every preset, nested convs too)', () => {
      const rng = new Rng(seed);
      let worst = 0;
      for (let t = 0; t < 24; t++) {
        const cfg = randomConfig(rng, t);
        const before = tf.memory().numTensors;
        const conv = randomConv(cfg.geometry, rng, t % 2 === 0).eval();
        const x = tf.tensor4d(rng.normalArray(cfg.batch * cfg.height * cfg.width * cfg.geometry.inChannels), [cfg.batch, cfg.height, cfg.width, cfg.geometry.inChannels]);
        const y0 = conv.forward(x);
        const preset = listPresets()[t % 4];
        const block = growConv(conv, { branches: preset, gate: 0.01 }).eval();
        expect(block.kxk.conv).to.not.equal(conv);
        expect((block.kxk.conv as Conv2d).weight).to.not.equal(conv.weight);
        const y1 = block.forward(x);
        worst = Math.max(worst, expectSame(y1, y0, `grow ${t} ${preset}`));
        // gates and BN initialisation per the spec
        for (const k of block.branchKinds) {
          const g = block.branch(k).lastBn.weight.dataSync();
          expect(
            Array.from(g).every((v) => Math.abs(v - (k === 'kxk' ? 1 : 0.01)) < 1e-7),
            `${k} γ`,
          ).to.equal(true);
        }
        // grow the nested k×k convs as well: still the same function
        const inner = growAt(block, 'kxk.conv', { branches: 'full' });
        expect(inner.depth).to.equal(1);
        if (block.has('1x1_kxk')) growAt(block, '1x1_kxk.conv2');
        const y2 = block.forward(x);
        worst = Math.max(worst, expectSame(y2, y0, `nested grow ${t}`));
        tf.dispose([x, y0, y1, y2]);
        block.dispose();
        conv.dispose();
        expect(tf.memory().numTensors, `config ${t} leaked`).to.equal(before);
      }
      console.log(`      worst grow ratio (${backend}): ${worst.toExponential(2)}`);
    });

    it('grow → train → cut → fuse stays exact at every point; cut keeps kxk’s variables', () => {
      const rng = new Rng(seed + 1);
      let worst = 0;
      for (let t = 0; t < 6; t++) {
        const cfg = randomConfig(rng, 4 * t + 1);
        const g = cfg.geometry;
        const conv = randomConv(g, rng, true).eval();
        const x = tf.tensor4d(rng.normalArray(4 * 6 * 6 * g.inChannels), [4, 6, 6, g.inChannels]);
        const y0 = conv.forward(x);
        const block = growConv(conv, { branches: 'full' });
        if (block.has('1x1_kxk') && t % 2 === 0) growAt(block, '1x1_kxk.conv2');
        const y1 = evalOut(block, x);
        worst = Math.max(worst, expectSame(y1, y0, `grown ${t}`));
        const target = tf.randomNormal(y1.shape);
        for (let step = 0; step < 3; step++) sgdStep(block, x, target, 0.05);
        block.eval();
        const yTrained = block.forward(x);
        const fusedConv = block.toConv().eval();
        const yFused = fusedConv.forward(x);
        worst = Math.max(worst, expectSame(yFused, yTrained, `trained ${t}`));
        const kxkConv = block.kxk.conv as Conv2d;
        const [w, b] = [kxkConv.weight, kxkConv.bias];
        const removable = block.branchKinds.filter((k) => k !== 'kxk');
        const toCut = removable.filter((_, i) => (i + t) % 2 === 0);
        block.cut(toCut);
        expect(block.branchKinds).to.deep.equal(BRANCH_KINDS.filter((k) => k === 'kxk' || (removable.includes(k) && !toCut.includes(k))));
        expect(block.kxk.conv).to.equal(kxkConv);
        expect(kxkConv.weight).to.equal(w);
        expect(kxkConv.bias).to.equal(b);
        expect(w.isDisposed).to.equal(false);
        const yCut = block.forward(x);
        worst = Math.max(worst, expectSame(yCut, yTrained, `cut ${t}`));
        // cut the rest: a kxk-only block, whose toConv is the plain conv
        block.cut(block.branchKinds.filter((k) => k !== 'kxk'));
        expect(block.branchKinds).to.deep.equal(['kxk']);
        const plain = block.toConv().eval();
        const yPlain = plain.forward(x);
        worst = Math.max(worst, expectSame(yPlain, yTrained, `cut to kxk ${t}`));
        tf.dispose([x, y0, y1, target, yTrained, yFused, yCut, yPlain]);
        [conv, block, fusedConv, plain].forEach((m) => m.dispose());
      }
      console.log(`      worst grow→train→cut ratio (${backend}): ${worst.toExponential(2)}`);
    });

    it('cut folds into a nested kxk block; errors are clear', () => {
      const rng = new Rng(seed + 2);
      const block = new RepBlock({ inChannels: 4, outChannels: 6, kernelSize: 3, branches: 'full' });
      growAt(block, 'kxk.conv', { branches: 'dbb' });
      randomizeBatchNorms(block, rng);
      block.eval();
      const x = tf.randomNormal([2, 5, 5, 4]);
      const y0 = block.forward(x);
      block.cut(['1x1', 'kx1']);
      const y1 = block.forward(x);
      expectSame(y1, y0, 'cut into nested');
      expect(() => block.cut(['kxk'])).to.throw(/cannot cut 'kxk'/);
      expect(() => block.cut(['1x1'])).to.throw(/no '1x1' branch/);
      tf.dispose([x, y0, y1]);
      block.dispose();
    });

    it('branchWeights and the de-parameterization rule', () => {
      const block = new RepBlock({ inChannels: 4, outChannels: 4, kernelSize: 3, branches: 'repvgg' });
      tf.tidy(() => {
        block.kxk.bn.weight.assign(tf.fill([4], 2));
        block.branch('1x1').lastBn.weight.assign(tf.tensor1d([0.1, -0.1, 0.1, -0.1]));
        block.branch('id').lastBn.weight.assign(tf.fill([4], 1));
      });
      const w = block.branchWeights();
      expect(w.kxk).to.equal(1);
      expect(w['1x1']).to.be.closeTo(0.05, 1e-6);
      expect(w.id).to.be.closeTo(0.5, 1e-6);
      expect(selectBranchesToCut(w)).to.deep.equal(['1x1']);
      expect(selectBranchesToCut({ kxk: 1, '1x1': 0.01, id: 0.01 })).to.deep.equal([]);
      expect(selectBranchesToCut({ kxk: 1, '1x1': 0.001 })).to.deep.equal([]);
      block.dispose();
    });

    it('grow errors: invalid branches, ineligible convs, too deep', () => {
      const conv = new Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, padding: 0 });
      expect(() => growConv(conv, { branches: ['kxk', '1x1'] })).to.throw(/'1x1' needs an odd kernel and padding/);
      expect(() => growConv(conv, { branches: ['kxk', 'id'] })).to.throw(/'id'/);
      const asym = new Conv2d({ inChannels: 4, outChannels: 6, kernelSize: [1, 3] });
      expect(() => growConv(asym)).to.throw(/not square/);
      const block = growConv(new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1 }));
      const inner = growAt(block, 'kxk.conv');
      expect(inner.depth).to.equal(1);
      expect(() => growAt(block, 'kxk.conv.kxk.conv')).to.throw(/exceed the maximum nesting/);
      expect(() => new RepBlock({ inChannels: 4, outChannels: 4, kernelSize: 3, depth: 2 })).to.throw(/depth 2 exceeds/);
      const valid = validBranches({ inChannels: 4, outChannels: 4, kernelSize: 3 });
      expect(valid).to.deep.equal(BRANCH_KINDS as BranchKind[]);
      [conv, asym, block].forEach((m) => m.dispose());
    });

    it('grow, cut, fuse, toConv and dispose leave tf.memory().numTensors unchanged', async () => {
      const rng = new Rng(seed + 3);
      const conv = randomConv({ inChannels: 4, outChannels: 4, kernelSize: 3, stride: 1, padding: 1, groups: 2 }, rng, true);
      const x = tf.randomNormal([2, 5, 5, 4]);
      await expectNoLeak(() => {
        const block = growConv(conv);
        growAt(block, 'kxk.conv');
        growAt(block, '1x1_kxk.conv2');
        const f = block.fuse();
        tf.dispose([f.kernel, f.bias]);
        block.toConv().dispose();
        block.cut(['1x1', 'id']);
        block.cut(block.branchKinds.filter((k) => k !== 'kxk'));
        block.dispose();
      }, 'grow/cut/fuse/toConv/dispose');
      // recalibrated grow
      await expectNoLeak(() => {
        const y0 = evalOut(conv, x);
        const block = growConv(conv, { calibrationInputs: [x, x] }).eval();
        const y1 = block.forward(x);
        expectSame(y1, y0, 'recalibrated grow');
        const rm = block.branch('1x1').lastBn.runningMean.dataSync();
        expect(
          Array.from(rm).some((v) => v !== 0),
          'running stats re-estimated',
        ).to.equal(true);
        tf.dispose([y0, y1]);
        block.dispose();
      }, 'recalibrated grow');
      x.dispose();
      conv.dispose();
    });
  });
}
