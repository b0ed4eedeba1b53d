import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFashionMnist } from '@dyrep/data';
import { Conv2d, Rng, countParams, manualSeed } from '@dyrep/nn';
import { expectNoLeak, useBackend } from '@dyrep/test-utils';
import { createCenterNet, createDetectionLoader, generateFashionMnistDetection, openCocoDataset, type DetectionBatch } from '@dyrep/detection';
import { upsampleNearest } from '../src/internal/upsample-nearest';

function disposeBatch(b: DetectionBatch): void {
  tf.dispose([b.x, b.heatmap, b.regression, b.regMask]);
}

describe('detector parts', () => {
  useBackend('wasm');

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`upsampleNearest (${backend}): value and gradient equal a brute-force repeat-and-crop over random shapes, batch > 1`, async () => {
      const previous = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const rng = new Rng(7);
        for (let trial = 0; trial < 6; trial++) {
          const [n, h, w, c] = [1 + rng.nextInt(3), 1 + rng.nextInt(5), 1 + rng.nextInt(5), 1 + rng.nextInt(4)];
          const [H, W] = [h * (1 + rng.nextInt(3)) - (trial % 2), w * (1 + rng.nextInt(3))].map((v, i) => Math.max(v, [h, w][i])) as [number, number];
          const fy = Math.ceil(H / h);
          const fx = Math.ceil(W / w);
          const xs = rng.normalArray(n * h * w * c);
          const dys = rng.normalArray(n * H * W * c);
          const x = tf.tensor4d(xs, [n, h, w, c]);
          const dy = tf.tensor4d(dys, [n, H, W, c]);
          const before = tf.memory().numTensors;
          const y = upsampleNearest(x, [H, W]);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsampleNearest(t as tf.Tensor4D, [H, W]), dy)))(x);
          expect(tf.memory().numTensors - before, 'only y and g are new').to.equal(2);
          expect(y.shape).to.deep.equal([n, H, W, c]);
          const yv = y.dataSync();
          const ref = new Float32Array(n * h * w * c);
          for (let b = 0; b < n; b++)
            for (let i = 0; i < H; i++)
              for (let j = 0; j < W; j++)
                for (let k = 0; k < c; k++) {
                  const src = ((b * h + Math.floor(i / fy)) * w + Math.floor(j / fx)) * c + k;
                  const dst = ((b * H + i) * W + j) * c + k;
                  expect(yv[dst]).to.equal(xs[src]);
                  ref[src] += dys[dst];
                }
          const gv = g.dataSync();
          ref.forEach((v, i) => expect(gv[i]).to.be.closeTo(v, 1e-5));
          tf.dispose([x, dy, y, g]);
        }
      } finally {
        await tf.setBackend(previous);
      }
    });
  }

  it('CenterNet: backbone/neck/head tree, stride-4 output, no dead classifier parameters, no leaks', async () => {
    manualSeed(0);
    const model = createCenterNet({ numClasses: 3, backboneOptions: { width: 0.125, inChannels: 1 }, channels: 8 });
    try {
      expect(model.namedChildren().map(([k]) => k)).to.deep.equal(['backbone', 'neck', 'head']);
      expect(model.stride).to.equal(4);
      const paths = model.namedParameters().map(([p]) => p);
      expect(paths.some((p) => p.startsWith('backbone.fc') || p.startsWith('backbone.layer4'))).to.equal(false);
      const convs = model
        .namedModules()
        .filter(([, m]) => m instanceof Conv2d)
        .map(([p]) => p);
      expect(convs).to.include.members(['neck.smooth.conv', 'head.heatmap.conv', 'head.regression.conv', 'head.heatmap.out']);
      const x = tf.zeros([2, 64, 48, 1]);
      await expectNoLeak(() => tf.dispose(model.forward(x)), 'forward');
      const y = model.forward(x);
      expect(y.shape).to.deep.equal([2, 16, 12, 7]);
      tf.dispose([x, y]);
      // Every parameter receives a gradient.
      const { grads, value } = tf.variableGrads(() => tf.sum(model.forward(tf.ones([1, 32, 32, 1]))) as tf.Scalar, model.parameters());
      expect(Object.keys(grads)).to.have.length(model.parameters().length);
      tf.dispose([value, grads]);
      expect(countParams(model)).to.be.greaterThan(0);
    } finally {
      model.dispose();
    }
  });

  it('the loader is seeded, resumable, and yields well-formed batches', async () => {
    const root = await mkdtemp(join(tmpdir(), 'det-loader-'));
    try {
      const source = await loadFashionMnist({ split: 'test' });
      const res = await generateFashionMnistDetection({ outDir: root, count: 20, canvas: 64, seed: 3, source });
      const ds = await openCocoDataset({ annotationFile: res.annotationFile, imageDir: res.imageDir, channels: 1 });
      const make = () => createDetectionLoader(ds, { stride: 4, batchSize: 8, shuffle: true, seed: 5, hflip: true });
      const a = await make();
      const b = await make();
      expect(a.numBatches).to.equal(3);
      const idsA: number[][] = [];
      for await (const batch of a.epoch()) {
        expect(batch.x.shape).to.deep.equal([batch.size, 64, 64, 1]);
        expect(batch.heatmap.shape).to.deep.equal([batch.size, 16, 16, 10]);
        expect(batch.regression.shape).to.deep.equal([batch.size, 16, 16, 4]);
        expect(batch.regMask.shape).to.deep.equal([batch.size, 16, 16, 1]);
        const [lo, hi] = [tf.min(batch.x).dataSync()[0], tf.max(batch.x).dataSync()[0]];
        expect(lo).to.be.at.least(0);
        expect(hi).to.be.at.most(1);
        idsA.push(batch.imageIds);
        disposeBatch(batch);
      }
      expect(idsA.flat().sort((p, q) => p - q)).to.deep.equal([...Array(20).keys()].map((i) => i + 1));
      // Same seed → same order; resume mid-epoch from a saved state.
      let first: number[] = [];
      for await (const batch of b.epoch()) {
        first = batch.imageIds;
        disposeBatch(batch);
        break;
      }
      expect(first).to.deep.equal(idsA[0]);
      const c = await make();
      c.setState({ epoch: 0, batch: 1 });
      const rest: number[][] = [];
      for await (const batch of c.epoch()) {
        rest.push(batch.imageIds);
        disposeBatch(batch);
      }
      expect(rest).to.deep.equal(idsA.slice(1));
      const next: number[][] = [];
      for await (const batch of a.epoch()) {
        next.push(batch.imageIds);
        disposeBatch(batch);
      }
      expect(next).to.not.deep.equal(idsA);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
