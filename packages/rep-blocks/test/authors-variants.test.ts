import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { BatchNorm2d, Conv2d, Rng } from '@dyrep/nn';
import { expectNoLeak, randomizeBatchNorms, useBackend } from '@dyrep/test-utils';
import { RepBlock, growAt, growConv, isRepBlock, type BranchKind, type CutMode } from '../src/index';
import { randomConfig, randomConv, randomizeBiases, relDiff } from './helpers';

const TOL = 1e-4;

/** Every variable of `m` by path, with a copy of its values. */
function snapshot(m: RepBlock): Map<string, { id: number; values: Float32Array }> {
  return new Map([...m.namedParameters(), ...m.namedBuffers()].map(([p, v]) => [p, { id: v.id, values: v.dataSync().slice() as Float32Array }]));
}

function values(v: tf.Tensor): number[] {
  return Array.from(v.dataSync());
}

/** A trained-looking block with a block nested in `kxk` (and in `1x1_kxk` when present). */
function nestedBlock(rng: Rng, t: number): { block: RepBlock; x: tf.Tensor4D } {
  const cfg = randomConfig(rng, t);
  const block = growConv(randomConv(cfg.geometry, rng, true), { branches: 'full' });
  growAt(block, 'kxk.conv', { branches: t % 2 ? 'full' : 'dbb' });
  if (block.has('1x1_kxk') && t % 3 === 0) growAt(block, '1x1_kxk.conv2', { branches: 'repvgg' });
  randomizeBatchNorms(block, rng);
  randomizeBiases(block, rng);
  block.eval();
  const g = cfg.geometry;
  const x = tf.tensor4d(rng.normalArray(2 * (g.kernelSize + 2) * (g.kernelSize + 3) * g.inChannels), [2, g.kernelSize + 2, g.kernelSize + 3, g.inChannels]);
  return { block, x };
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`the authors' variants (${backend})`, () => {
    useBackend(backend);
    const seed = backend === 'wasm' ? 31 : 32;

    for (const mode of ['fold', 'reset'] as CutMode[]) {
      it(`cut '${mode}' keeps the eval output to float tolerance and every kept variable's identity`, () => {
        const rng = new Rng(seed + (mode === 'reset' ? 100 : 0));
        let worst = 0;
        for (let t = 0; t < 16; t++) {
          const { block, x } = nestedBlock(rng, t);
          const removable = block.branchKinds.filter((k) => k !== 'kxk');
          const toCut = removable.filter((_, i) => (i + t) % 2 === 0) as BranchKind[];
          if (!toCut.length) toCut.push(removable[0]);
          const tensors = tf.memory().numTensors;
          const y0 = block.forward(x);
          const before = snapshot(block);
          block.cut(toCut, { mode });
          const y1 = block.forward(x);
          const { ratio, diff, scale } = relDiff(y1, y0);
          expect(ratio, `config ${t} ${mode}: max |Δ| ${diff} vs ${scale}`).to.be.at.most(TOL);
          worst = Math.max(worst, ratio);
          const after = snapshot(block);
          for (const [path, v] of after) expect(v.id, `${path} is the same variable`).to.equal(before.get(path)!.id);
          for (const path of before.keys())
            if (!after.has(path))
              expect(
                toCut.some((k) => path.startsWith(`${k}.`)),
                `${path} vanished`,
              ).to.equal(true);
          const kxkBn = block.kxk.bn;
          const inner = block.kxk.conv as RepBlock;
          const unchanged = (path: string) => expect(after.get(path)!.values, `${path} unchanged`).to.deep.equal(before.get(path)!.values);
          // Kept branches are untouched in both modes.
          for (const [path] of after) if (!path.startsWith('kxk.')) unchanged(path);
          if (mode === 'fold') {
            // Ours: only the innermost kxk conv moves; BNs and nested branches keep their values.
            for (const [path] of after) if (path.startsWith('kxk.') && !/^kxk\.conv\.kxk\.conv\.(weight|bias)$/.test(path)) unchanged(path);
          } else {
            // Theirs, "as in growing": kxk BN γ = 1, β = 0, fresh statistics …
            expect(values(kxkBn.weight).every((v) => v === 1)).to.equal(true);
            expect(values(kxkBn.bias).every((v) => v === 0)).to.equal(true);
            expect(values(kxkBn.runningMean).every((v) => v === 0)).to.equal(true);
            expect(values(kxkBn.runningVar).every((v) => v === 1)).to.equal(true);
            // … and the nested block re-initialised: gates 0.01, inner BNs unit and fresh, new conv weights.
            expect(isRepBlock(inner)).to.equal(true);
            for (const k of inner.branchKinds) {
              const branch = inner.branch(k);
              const bns = branch
                .namedModules()
                .map(([, m]) => m)
                .filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
              for (const bn of bns) {
                const gamma = bn === branch.lastBn && k !== 'kxk' ? 0.01 : 1;
                expect(
                  values(bn.weight).every((v) => Math.abs(v - gamma) < 1e-7),
                  `${k} γ`,
                ).to.equal(true);
                expect(
                  values(bn.bias).every((v) => v === 0),
                  `${k} β`,
                ).to.equal(true);
                expect(
                  values(bn.runningMean).every((v) => v === 0),
                  `${k} mean`,
                ).to.equal(true);
              }
              for (const [name, m] of branch.namedModules()) {
                if (!(m instanceof Conv2d) || k === 'kxk') continue;
                const path = `kxk.conv.${k}${name ? `.${name}` : ''}.weight`;
                expect(after.get(path)!.values, `${path} re-initialised`).to.not.deep.equal(before.get(path)!.values);
              }
            }
          }
          tf.dispose([y0, y1]);
          expect(tf.memory().numTensors, `config ${t}: cut leaks`).to.equal(tensors - [...before.keys()].filter((p) => !after.has(p)).length);
          x.dispose();
          block.dispose();
        }
        console.log(`      worst cut '${mode}' ratio (${backend}): ${worst.toExponential(2)}`);
      });
    }

    it("cut 'reset' on a block without nesting zeroes nothing it should keep, and a kxk-only block becomes the plain conv", () => {
      const rng = new Rng(seed + 7);
      const block = growConv(randomConv({ inChannels: 3, outChannels: 5, kernelSize: 3, stride: 1, padding: 1, groups: 1 }, rng, true), { branches: 'full' });
      randomizeBatchNorms(block, rng);
      block.eval();
      const x = tf.randomNormal([2, 6, 6, 3]);
      const y0 = block.forward(x);
      block.cut(
        block.branchKinds.filter((k) => k !== 'kxk'),
        { mode: 'reset' },
      );
      expect(block.branchKinds).to.deep.equal(['kxk']);
      const plain = block.toConv().eval();
      const y1 = plain.forward(x);
      expect(relDiff(y1, y0).ratio).to.be.at.most(TOL);
      tf.dispose([x, y0, y1]);
      block.dispose();
      plain.dispose();
    });

    it("grow 'fresh' (the authors' static DBB) ignores the conv: PyTorch-default init, unit BN scales", async () => {
      const rng = new Rng(seed + 9);
      const geometry = { inChannels: 16, outChannels: 32, kernelSize: 3, stride: 1, padding: 1, groups: 1 };
      const conv = randomConv(geometry, rng, true);
      const block = growConv(conv, { branches: 'dbb', init: 'fresh', rng });
      expect(block.branchKinds).to.deep.equal(['kxk', '1x1', '1x1_kxk', '1x1_avg']);
      for (const [path, m] of block.namedModules()) {
        if (m instanceof BatchNorm2d) {
          expect(
            values(m.weight).every((v) => v === 1),
            `${path} γ`,
          ).to.equal(true);
          expect(
            values(m.bias).every((v) => v === 0),
            `${path} β`,
          ).to.equal(true);
        }
        if (m instanceof Conv2d) {
          const [kh, kw, cinPerGroup] = m.weight.shape;
          const bound = 1 / Math.sqrt(cinPerGroup * kh * kw);
          const w = values(m.weight);
          expect(Math.max(...w.map(Math.abs)), `${path} within U(±1/√fan_in)`).to.be.at.most(bound);
          // A uniform's standard deviation is bound/√3 (n ≥ 512 samples here: within 10%).
          const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
          expect(std / (bound / Math.sqrt(3)), `${path} spread`).to.be.within(0.9, 1.1);
          if (path === 'kxk.conv') {
            const b = values(m.bias!);
            expect(Math.max(...b.map(Math.abs))).to.be.at.most(bound);
            expect(b.some((v) => v !== 0)).to.equal(true);
          }
        }
      }
      // Not function-preserving: the block does not compute what the conv computed.
      block.eval();
      const x = tf.randomNormal([1, 5, 5, 16]);
      const [y0, y1] = [conv.eval().forward(x), block.forward(x)];
      expect(relDiff(y1, y0).ratio).to.be.above(0.1);
      tf.dispose([x, y0, y1]);
      await expectNoLeak(() => {
        growConv(conv, { init: 'fresh' }).dispose();
      });
      block.dispose();
      conv.dispose();
    });
  });
}
