import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCenterNet, createDetectionLoader, detectionTask, generateFashionMnistDetection, openCocoDataset } from '@dyrep/detection';
import { manualSeed } from '@dyrep/nn';
import { Trainer, silentProgress } from '@dyrep/trainer';
import { useBackend } from '@dyrep/test-utils';
import { freezeBackbone } from '../src/run/freeze-backbone';

describe('freezeBackbone', function () {
  this.timeout(300000);
  useBackend('wasm');

  it('keeps every backbone parameter during the frozen epochs and trains neck and head; the backbone trains afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freeze-'));
    try {
      const gen = await generateFashionMnistDetection({ outDir: dir, count: 16, canvas: 32, seed: 1 });
      const ds = await openCocoDataset({ annotationFile: gen.annotationFile, imageDir: gen.imageDir, channels: 1 });
      manualSeed(0);
      const model = createCenterNet({ numClasses: 10, backboneOptions: { width: 0.0625, inChannels: 1 }, channels: 8 });
      const train = await createDetectionLoader(ds, { stride: model.stride, batchSize: 8, shuffle: true });
      const snapshot = () => new Map(model.namedParameters().map(([p, v]) => [p, Float32Array.from(v.dataSync())]));
      const changed = (a: Map<string, Float32Array>, b: Map<string, Float32Array>, prefix: string) => [...a.keys()].filter((p) => p.startsWith(prefix) && a.get(p)!.some((v, i) => v !== b.get(p)![i]));
      const before = snapshot();
      let afterFirst: Map<string, Float32Array> | null = null;
      const onEpochEnd = (_: unknown, epoch: number): void => {
        if (epoch === 0) afterFirst = snapshot();
      };
      const probe = { id: 'probe', priority: 100, hooks: { onEpochEnd } };
      const trainer = new Trainer({
        model,
        task: detectionTask({ numClasses: 10, stride: model.stride }),
        train,
        epochs: 2,
        lr: () => 0.05,
        plugins: [freezeBackbone(1), probe],
        inputShape: [32, 32, 1],
        progress: silentProgress,
      });
      const n0 = tf.memory().numTensors;
      await trainer.fit();
      const after = snapshot();
      expect(changed(before, afterFirst!, 'backbone.'), 'backbone during the frozen epoch').to.deep.equal([]);
      expect(changed(before, afterFirst!, 'head.').length, 'head trains while frozen').to.be.greaterThan(0);
      expect(changed(before, afterFirst!, 'neck.').length, 'neck trains while frozen').to.be.greaterThan(0);
      expect(changed(afterFirst!, after, 'backbone.').length, 'backbone trains after').to.be.greaterThan(0);
      trainer.dispose();
      expect(tf.memory().numTensors).to.be.at.most(n0);
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
