import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Rng } from '@dyrep/nn';
import { useBackend } from '@dyrep/test-utils';
import { listPresets, listRepBlocks } from '../src/index';
import { buildBlock, randomConfig, relDiff } from './helpers';

const CONFIGS = 120;

describe('conformance: every preset, random geometries and nesting (wasm)', () => {
  useBackend('wasm');

  it(`eval output equals the fused conv's over ${CONFIGS} random configurations`, () => {
    const rng = new Rng(2022);
    let worst = 0;
    const seen = { presets: new Set<string>(), depths: new Set<number>(), branches: new Set<string>() };
    for (let t = 0; t < CONFIGS; t++) {
      const cfg = randomConfig(rng, t);
      const before = tf.memory().numTensors;
      const block = buildBlock(cfg, rng).eval();
      const conv = block.toConv().eval();
      const x = tf.tensor4d(rng.normalArray(cfg.batch * cfg.height * cfg.width * cfg.geometry.inChannels), [cfg.batch, cfg.height, cfg.width, cfg.geometry.inChannels]);
      const y = block.forward(x);
      const z = conv.forward(x);
      const { diff, scale, ratio } = relDiff(z, y);
      const what = `config ${t}: ${JSON.stringify(cfg)} branches ${block.branchKinds}`;
      expect(ratio, `${what}: max |Δ| ${diff} vs max |y| ${scale}`).to.be.at.most(1e-4);
      worst = Math.max(worst, ratio);
      seen.presets.add(cfg.preset);
      for (const { block: b } of listRepBlocks(block)) {
        seen.depths.add(b.depth);
        b.branchKinds.forEach((k) => seen.branches.add(k));
      }
      tf.dispose([x, y, z]);
      conv.dispose();
      block.dispose();
      expect(tf.memory().numTensors, `${what}: tensors leaked`).to.equal(before);
    }
    expect([...seen.presets].sort()).to.deep.equal([...listPresets()].sort());
    expect([...seen.depths].sort()).to.deep.equal([0, 1, 2]);
    expect(seen.branches.size, `branches seen: ${[...seen.branches]}`).to.equal(7);
    console.log(`      worst max|Δ|/max|y| over ${CONFIGS} configurations: ${worst.toExponential(2)}`);
  });
});
