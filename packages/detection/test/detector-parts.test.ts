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

  it('upsampleNearest matches resizeNearestNeighbor, and its gradient is the block sum (batch > 1)', () => {
    const rng = new Rng(0);
    const [n, h, c] = [2, 3, 5];
    const xs = rng.normalArray(n * h * h * c);
    const dys = rng.normalArray(n * 4 * h * h * c);
    const x = tf.tensor4d(xs, [n, h, h, c]);
    const dy = tf.tensor4d(dys, [n, 2 * h, 2 * h, c]);
    const a = upsampleNearest(x, [2 * h, 2 * h]);
    const b = tf.image.resizeNearestNeighbor(x, [2 * h, 2 * h]);
    expect(Array.from(a.dataSync())).to.deep.equal(Array.from(b.dataSync()));
    const cropped = upsampleNearest(x, [2 * h - 1, 2 * h]);
    expect(cropped.shape).to.deep.equal([n, 2 * h - 1, 2 * h, c]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsampleNearest(t as tf.Tensor4D, [2 * h, 2 * h]), dy)))(x).dataSync();
    const ref = new Float32Array(n * h * h * c);
    for (let bi = 0; bi < n; bi++)
      for (let i = 0; i < 2 * h; i++)
        for (let j = 0; j < 2 * h; j++)
          for (let k = 0; k < c; k++) ref[((bi * h + (i >> 1)) * h + (j >> 1)) * c + k] += dys[((bi * 2 * h + i) * 2 * h + j) * c + k];
    ref.forEach((v, i) => expect(g[i]).to.be.closeTo(v, 1e-5));
    tf.dispose([x, dy, a, b, cropped]);
  });

  it('CenterNet: backbone/neck/head tree, stride-4 output, no dead classifier parameters, no leaks', async () => {
    manualSeed(0);
    const model = createCenterNet({ numClasses: 3, backboneOptions: { width: 0.125, inChannels: 1 }, channels: 8 });
    try {
      expect(model.namedChildren().map(([k]) => k)).to.deep.equal(['backbone', 'neck', 'head']);
      expect(model.stride).to.equal(4);
      const paths = model.namedParameters().map(([p]) => p);
      expect(paths.some((p) => p.startsWith('backbone.fc') || p.startsWith('backbone.layer4'))).to.equal(false);
      const convs = model.namedModules().filter(([, m]) => m instanceof Conv2d).map(([p]) => p);
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
