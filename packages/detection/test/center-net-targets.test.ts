import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, expectNoLeak } from '@dyrep/test-utils';
import { Rng } from '@dyrep/nn';
import { decodeCenterNet, encodeCenterNetTargets, gaussianRadius, penaltyReducedFocalLoss } from '@dyrep/detection';

/** Random non-overlapping-centre boxes on a `side`-pixel canvas (distinct centre cells at `stride`). */
function randomBoxes(rng: Rng, n: number, side: number, stride: number, k: number): { boxes: Float32Array; labels: Int32Array } {
  const boxes: number[] = [];
  const labels: number[] = [];
  const cells = new Set<number>();
  while (labels.length < n) {
    const w = 6 + rng.nextFloat() * 40;
    const h = 6 + rng.nextFloat() * 40;
    const x = rng.nextFloat() * (side - w);
    const y = rng.nextFloat() * (side - h);
    const cell = Math.floor((y + h / 2) / stride) * 1000 + Math.floor((x + w / 2) / stride);
    if (cells.has(cell)) continue;
    cells.add(cell);
    boxes.push(x, y, w, h);
    labels.push(rng.nextInt(k));
  }
  return { boxes: Float32Array.from(boxes), labels: Int32Array.from(labels) };
}

describe('CenterNet targets and decoding', () => {
  useBackend('wasm');

  it('gaussianRadius grows with the box and shrinks with the required overlap', () => {
    expect(gaussianRadius(10, 10, 0.7)).to.be.greaterThan(gaussianRadius(5, 5, 0.7));
    expect(gaussianRadius(10, 10, 0.9)).to.be.lessThan(gaussianRadius(10, 10, 0.7));
    expect(gaussianRadius(10, 10)).to.be.greaterThan(0);
  });

  it('encodes peaks of exactly 1 at centre cells, Gaussians around them, and regression only there', () => {
    const t = encodeCenterNetTargets([8, 8, 16, 16], [2], { outputSize: [16, 16], stride: 4, numClasses: 3 });
    // centre (16, 16) px → 4.0 cells: cell (4, 4), offset 0
    expect(t.heatmap[(4 * 16 + 4) * 3 + 2]).to.equal(1);
    expect(t.heatmap[(4 * 16 + 5) * 3 + 2]).to.be.within(0.01, 0.999);
    expect(t.heatmap[(4 * 16 + 4) * 3 + 1]).to.equal(0);
    expect(Array.from(t.regression.subarray((4 * 16 + 4) * 4, (4 * 16 + 4) * 4 + 4))).to.deep.equal([4, 4, 0, 0]);
    expect(t.mask.reduce((a, b) => a + b, 0)).to.equal(1);
  });

  it('decoding perfect targets recovers every box to float precision (≤ 1e-3 px) with its class', async () => {
    const rng = new Rng(3);
    const k = 4;
    for (const [side, stride] of [
      [96, 4],
      [64, 4],
      [96, 8],
    ] as const) {
      const h = side / stride;
      const { boxes, labels } = randomBoxes(rng, 8, side, stride, k);
      const t = encodeCenterNetTargets(boxes, labels, { outputSize: [h, h], stride, numClasses: k });
      // A perfect detector: heatmap probabilities equal to the targets, regression equal to the targets.
      const heat = tf.tensor4d(t.heatmap, [1, h, h, k]);
      const reg = tf.tensor4d(t.regression, [1, h, h, 4]);
      const output = tf.concat([heat, reg], 3) as tf.Tensor4D;
      const [det] = await expectNoLeak(() => decodeCenterNet(output, { numClasses: k, stride, probabilities: true, scoreThreshold: 0.999, inputSize: [side, side] }), 'decode');
      tf.dispose([heat, reg, output]);
      expect(det.scores.length, `${side}/${stride}`).to.equal(labels.length);
      for (let i = 0; i < labels.length; i++) {
        const gt = Array.from(boxes.subarray(4 * i, 4 * i + 4));
        const j = [...det.labels.keys()].find((m) => Math.abs(det.boxes[4 * m] - gt[0]) < 1e-2 && Math.abs(det.boxes[4 * m + 1] - gt[1]) < 1e-2);
        expect(j, `box ${gt} not found`).to.not.equal(undefined);
        const got = Array.from(det.boxes.subarray(4 * j!, 4 * j! + 4));
        got.forEach((v, c) => expect(v).to.be.closeTo(gt[c], 1e-3));
        expect(det.labels[j!]).to.equal(labels[i]);
      }
    }
  });

  it('decodes logits: peaks become scores via the sigmoid, best first, capped at topK', () => {
    const logits = new Float32Array(8 * 8 * 2).fill(-10);
    logits[(2 * 8 + 3) * 2 + 0] = 2; // class 0 at cell (x=3, y=2)
    logits[(6 * 8 + 6) * 2 + 1] = 0; // class 1 at cell (6, 6)
    const reg = new Float32Array(8 * 8 * 4);
    reg.set([2, 3, 0.5, 0.25], (2 * 8 + 3) * 4);
    reg.set([1, 1, 0, 0], (6 * 8 + 6) * 4);
    const out = tf.concat([tf.tensor4d(logits, [1, 8, 8, 2]), tf.tensor4d(reg, [1, 8, 8, 4])], 3) as tf.Tensor4D;
    const [det] = decodeCenterNet(out, { numClasses: 2, stride: 4, topK: 5 });
    out.dispose();
    expect(det.scores.length).to.equal(2);
    expect(det.scores[0]).to.be.closeTo(1 / (1 + Math.exp(-2)), 1e-6);
    expect(Array.from(det.boxes.subarray(0, 4))).to.deep.equal([3.5 * 4 - 4, 2.25 * 4 - 6, 8, 12]);
    expect(Array.from(det.labels)).to.deep.equal([0, 1]);
  });

  it('the focal loss is small for confident correct heatmaps and large for wrong ones', () => {
    const t = encodeCenterNetTargets([8, 8, 16, 16], [0], { outputSize: [8, 8], stride: 4, numClasses: 1 });
    const target = tf.tensor4d(t.heatmap, [1, 8, 8, 1]);
    const good = tf.tidy(() => tf.mul(tf.sub(tf.cast(tf.greaterEqual(target, 1), 'float32'), 0.5), 20));
    const bad = tf.neg(good);
    const lg = penaltyReducedFocalLoss(good, target);
    const lb = penaltyReducedFocalLoss(bad, target);
    expect(lg.dataSync()[0]).to.be.lessThan(1e-3);
    expect(lb.dataSync()[0]).to.be.greaterThan(10);
    tf.dispose([target, good, bad, lg, lb]);
  });
});
