import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import type { CutOp, GrowOp, MutationPlan } from '@dyrep/core';
import { Rng, type Module } from '@dyrep/nn';
import { maxAbsDiff, randomizeBatchNorms, useBackend } from '@dyrep/test-utils';
import { tinyConvNet } from '@dyrep/testing';
import {
  MutationPlanError,
  applyArchitecture,
  applyMutationPlan,
  blockGeometryOf,
  describeArchitecture,
  growAt,
  listGrowableConvs,
  listRepBlocks,
  normalizeMutationPlan,
  validBranches,
} from '../src/index';

const INPUT = [8, 8, 2];

/** A random plan of 1–4 ops: grows of growable convs, cuts of existing blocks, and on purpose ops that the plan itself makes moot. */
function randomPlan(model: Module, rng: Rng): MutationPlan {
  const ops: (GrowOp | CutOp)[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextInt(xs.length)];
  const subset = <T>(xs: readonly T[]): T[] => {
    const s = xs.filter(() => rng.nextFloat() < 0.5);
    return s.length ? s : [pick(xs)];
  };
  const n = 1 + rng.nextInt(4);
  for (let i = 0; i < n; i++) {
    const blocks = listRepBlocks(model);
    const growable = listGrowableConvs(model);
    if ((rng.nextFloat() < 0.5 || !blocks.length) && growable.length) {
      const g = pick(growable);
      const geometry = blockGeometryOf(g.conv);
      if (typeof geometry === 'string') continue;
      const others = validBranches(geometry).filter((k) => k !== 'kxk');
      ops.push({ type: 'grow', path: g.path, branches: ['kxk', ...subset(others)] });
      if (rng.nextFloat() < 0.2) ops.push({ ...ops[ops.length - 1] }); // a repeated grow
    } else if (blocks.length) {
      const { path, block } = pick(blocks);
      const others = block.branchKinds.filter((k) => k !== 'kxk');
      const cut = subset(others);
      ops.push({ type: 'cut', path, branches: cut });
      // an op under a branch this cut removes (a block or conv nested in it), as in issue #13 case 6
      const nested = blocks.filter((b) => cut.some((c) => b.path.startsWith(`${path}.${c}.`)));
      if (nested.length && rng.nextFloat() < 0.7) {
        const inner = pick(nested);
        ops.push({ type: 'cut', path: inner.path, branches: [pick(inner.block.branchKinds.filter((k) => k !== 'kxk'))] });
      }
      const nestedConv = growable.filter((g) => cut.some((c) => g.path.startsWith(`${path}.${c}.`)));
      if (nestedConv.length && rng.nextFloat() < 0.5) ops.push({ type: 'grow', path: pick(nestedConv).path, branches: ['kxk', '1x1'] });
    }
  }
  return { source: 'random', ops: rng.nextFloat() < 0.5 ? ops : ops.reverse() };
}

function evalOut(model: Module, x: tf.Tensor): tf.Tensor {
  model.eval();
  return tf.tidy(() => model.forward(x));
}

function freshModel(seed: number, width: number): Module {
  const m = tinyConvNet(INPUT[2], 3, width);
  randomizeBatchNorms(m, new Rng(seed));
  return m;
}

describe('mutation plans are validated and normalised (issue #13 case 6)', () => {
  useBackend('wasm');

  /** A model whose first conv is a block with a block nested in its 1x1_kxk branch. */
  function nestedModel(): { model: Module; nested: string } {
    const model = freshModel(1, 4);
    growAt(model, 'features.0', { branches: ['kxk', '1x1', '1x1_kxk', '1x1_avg'] });
    const inner = listGrowableConvs(model).find((g) => g.path.startsWith('features.0.1x1_kxk.'))!;
    growAt(model, inner.path, { branches: ['kxk', '1x1_avg'] });
    return { model, nested: inner.path };
  }

  it('drops a cut of a block nested in a branch the same plan cuts (it crashed with "no module \'1x1_kxk\'")', async () => {
    const { model, nested } = nestedModel();
    const x = tf.randomUniform([2, ...INPUT], 0, 1, 'float32', 3);
    const before = evalOut(model, x);
    const plan: MutationPlan = {
      source: 'dyrep',
      ops: [
        { type: 'cut', path: 'features.0', branches: ['1x1_kxk'] },
        { type: 'cut', path: nested, branches: ['1x1_avg'] },
      ],
    };
    const { dropped } = normalizeMutationPlan(model, plan);
    expect(dropped).to.deep.equal([{ op: plan.ops[1], reason: "'features.0.1x1_kxk' is removed by an earlier cut of the plan" }]);
    const result = await applyMutationPlan(model, plan, { inputShape: INPUT });
    expect(result.plan.ops).to.deep.equal([plan.ops[0]]);
    const after = evalOut(model, x);
    expect(maxAbsDiff(before, after)).to.be.below(1e-5);
    tf.dispose([x, before, after]);
    model.dispose();
  });

  it('refuses invalid plans in one line naming the source and the op, before changing anything', () => {
    const { model, nested } = nestedModel();
    const bad: [MutationPlan['ops'], RegExp][] = [
      [[{ type: 'cut', path: 'features.0', branches: ['kxk'] }], /op 1 \(cut 'features\.0'\): the 'kxk' branch cannot be cut/],
      [[{ type: 'cut', path: 'features.0', branches: ['kx1'] }], /the block has no 'kx1' branch \(present: kxk, 1x1, 1x1_kxk, 1x1_avg\)/],
      [[{ type: 'cut', path: 'features.1', branches: ['1x1'] }], /op 1 \(cut 'features\.1'\): it is a BatchNorm2d, not a rep-block/],
      [[{ type: 'grow', path: 'features.9', branches: ['kxk'] }], /op 1 \(grow 'features\.9'\): no such module in the model/],
      [[{ type: 'grow', path: 'fc', branches: ['kxk'] }], /it cannot be grown: it is a Linear, not a Conv2d/],
      [[{ type: 'grow', path: 'features.3', branches: ['1x1'] }], /a grow must keep the 'kxk' branch/],
      [[{ type: 'grow', path: 'features.3', branches: ['kxk', 'id'] }], /invalid rep-block branches/],
      [[{ type: 'grow', path: 'features.3', branches: ['kxk', 'nope' as never] }], /unknown branch 'nope'/],
      [[{ type: 'cut', path: nested, branches: ['1x1_avg', '1x1_avg'] }], /branch listed twice/],
    ];
    const before = JSON.stringify(describeArchitecture(model));
    for (const [ops, message] of bad) {
      expect(() => normalizeMutationPlan(model, { source: 'p', ops }), message.source).to.throw(MutationPlanError, message);
      expect(() => normalizeMutationPlan(model, { source: 'p', ops }), message.source).to.throw(/^mutation plan from 'p': /);
    }
    expect(JSON.stringify(describeArchitecture(model))).to.equal(before);
    model.dispose();
  });

  it('applies 200 random grow/cut sequences: every step function-preserving and resumable, no tensor left behind', async function () {
    this.timeout(600000);
    const n0 = tf.memory().numTensors;
    let steps = 0;
    let droppedOps = 0;
    let worst = 0;
    for (let seq = 0; seq < 200; seq++) {
      const rng = new Rng(1000 + seq);
      const width = 2 + rng.nextInt(3);
      const model = freshModel(seq, width);
      const x = tf.randomUniform([2, ...INPUT], 0, 1, 'float32', seq);
      for (let step = 0; step < 3; step++) {
        const plan = randomPlan(model, rng);
        const before = evalOut(model, x);
        droppedOps += normalizeMutationPlan(model, plan).dropped.length;
        await applyMutationPlan(model, plan, { inputShape: INPUT });
        const after = evalOut(model, x);
        const scale = Math.max(
          1,
          tf.tidy(() => tf.max(tf.abs(before)).dataSync()[0]),
        );
        const diff = maxAbsDiff(before, after) / scale;
        worst = Math.max(worst, diff);
        expect(diff, `sequence ${seq} step ${step}: ${JSON.stringify(plan.ops)}`).to.be.below(1e-4);
        // resumable: the architecture description rebuilds the same network on a fresh model
        const fresh = freshModel(seq, width);
        applyArchitecture(fresh, describeArchitecture(model));
        fresh.loadStateDict(model.stateDict());
        const again = evalOut(fresh, x);
        expect(maxAbsDiff(after, again), `sequence ${seq} step ${step} rebuilt`).to.equal(0);
        tf.dispose([before, after, again]);
        fresh.dispose();
        steps++;
      }
      x.dispose();
      model.dispose();
    }
    expect(tf.memory().numTensors, 'tensors left').to.equal(n0);
    expect(droppedOps, 'the generator exercises moot ops').to.be.greaterThan(20);
    expect(steps).to.equal(600);
    expect(worst).to.be.below(1e-4);
  });
});
