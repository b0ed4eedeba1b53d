import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Rng } from '@dyrep/nn';
import { expectNoLeak, randomizeBatchNorms, useBackend } from '@dyrep/test-utils';
import { MERGE_STRATEGIES, RepBlock, growAt, setMergeStrategy, validBranches } from '../src/index';
import type { BlockGeometryInput, MergeStrategy } from '../src/index';
import { withRestoredBuffers } from './helpers';

/** One training step's observable results: output, every parameter's gradient, every buffer after the step. */
interface StepResult {
  output: Float32Array;
  grads: Map<string, Float32Array>;
  buffers: Map<string, Float32Array>;
}

function step(block: RepBlock, x: tf.Tensor, r: tf.Tensor, strategy: MergeStrategy): StepResult {
  const previous = setMergeStrategy(strategy);
  try {
    // Two forwards below update the running statistics: restored for the next strategy.
    return withRestoredBuffers(block, () => {
      const named = block.namedParameters();
      const output = tf.tidy(() => block.forward(x).dataSync() as Float32Array);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(block.forward(x), r)) as tf.Scalar,
        named.map(([, v]) => v),
      );
      const result: StepResult = {
        output,
        grads: new Map(named.map(([path, v]) => [path, grads[v.name].dataSync() as Float32Array])),
        buffers: new Map(block.namedBuffers().map(([path, v]) => [path, v.dataSync() as Float32Array])),
      };
      tf.dispose([value, ...Object.values(grads)]);
      return result;
    });
  } finally {
    setMergeStrategy(previous);
  }
}

/** max |a − b| / scale, with scale = max |b|, floored at `floor` (for references that are 0 up to rounding). */
function relDiff(a: Float32Array, b: Float32Array, floor: number): number {
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function maxAbs(values: Iterable<Float32Array>): number {
  let m = 0;
  for (const v of values) for (const e of v) m = Math.max(m, Math.abs(e));
  return m;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.nextInt(items.length)];
/** Integer in [lo, hi]. */
const between = (rng: Rng, lo: number, hi: number): number => lo + rng.nextInt(hi - lo + 1);

function randomGeometry(rng: Rng): BlockGeometryInput {
  const kernelSize = pick(rng, [3, 3, 5]);
  const shape = pick(rng, ['plain', 'grouped', 'depthwise'] as const);
  const base = 2 * between(rng, 1, 4);
  const groups = shape === 'plain' ? 1 : shape === 'grouped' ? 2 : base;
  const inChannels = base;
  const outChannels = shape === 'depthwise' ? base * pick(rng, [1, 2]) : 2 * between(rng, 1, 4);
  const padding = pick(rng, [Math.floor(kernelSize / 2), Math.floor(kernelSize / 2), 0]);
  return { inChannels, outChannels, kernelSize, stride: pick(rng, [1, 2]), padding, groups };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`merged branch execution equals the separate one (${backend})`, () => {
    useBackend(backend);

    it('forward, every gradient and the running statistics, over random geometries, strategies and nesting', async () => {
      const seed = backend === 'cpu' ? 101 : 202;
      const rng = new Rng(seed);
      const cases = 10;
      const worst: Record<string, number> = {};
      for (let c = 0; c < cases; c++) {
        const g = randomGeometry(rng);
        const block = new RepBlock({ ...g, branches: validBranches(g) });
        if (c % 3 === 0) growAt(block, 'kxk.conv', { branches: 'full' }); // a nested kxk: not merged, still summed
        randomizeBatchNorms(block, rng);
        block.train(true);
        const size = between(rng, 5, 9);
        const x = tf.randomNormal([3, size, size, g.inChannels], 0, 1, 'float32', seed + c);
        const out = tf.tidy(() => block.forward(x));
        const r = tf.randomNormal(out.shape, 0, 1, 'float32', seed + 100 + c);
        out.dispose();
        const label = `case ${c} (seed ${seed}): ${JSON.stringify(g)}${c % 3 === 0 ? ' nested kxk' : ''}`;
        await expectNoLeak(() => {
          const reference = step(block, x, r, 'separate');
          const gradScale = maxAbs(reference.grads.values());
          for (const strategy of MERGE_STRATEGIES.filter((s) => s !== 'separate')) {
            const merged = step(block, x, r, strategy);
            const check = (what: string, a: Float32Array, b: Float32Array, floor: number, tolerance = 1e-5) => {
              const e = relDiff(a, b, floor);
              worst[strategy] = Math.max(worst[strategy] ?? 0, (e / tolerance) * 1e-5);
              expect(e, `${label} ${strategy}: ${what}`).to.be.at.most(tolerance);
            };
            check('output', merged.output, reference.output, 0);
            // Some gradients are 0 in theory and rounding noise in float32: a bias that feeds a training BN (kxk.conv.bias,
            // a nested block's BN β) and, in a block with one input channel per group, most of the 1×1 convs and BNs
            // (a per-channel scale before a training BN cancels out). Those are compared on the block's gradient
            // scale, the others on their own scale (floored at 1% of the block's). Inside a nested block a gradient
            // passes two training BNs, whose backward subtracts means (cancellation): float32 rounding alone reaches
            // ~2e-5 there, so those get 1e-4; everything else 1e-5.
            const perChannel = g.inChannels / (g.groups ?? 1) === 1;
            for (const [path, ref] of reference.grads) {
              const nested = path.startsWith('kxk.conv.') && path.split('.').length > 3;
              const zero = perChannel || path.endsWith('conv.bias') || (nested && /bn2?\.bias$/.test(path));
              check(`d ${path}`, merged.grads.get(path)!, ref, zero ? gradScale : 1e-2 * gradScale, nested ? 1e-4 : 1e-5);
            }
            for (const [path, ref] of reference.buffers) check(path, merged.buffers.get(path)!, ref, 0);
          }
        }, label);
        tf.dispose([x, r]);
        block.dispose();
      }
      console.log(
        `      worst relative error per strategy (in units of the 1e-5 tolerance ×1e-5) over ${cases} blocks (${backend}): ${Object.entries(worst)
          .map(([s, e]) => `${s} ${e.toExponential(2)}`)
          .join(', ')}`,
      );
    });
  });
}
