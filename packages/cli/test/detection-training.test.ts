import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plugin } from '@dyrep/core';
import { loadFashionMnist } from '@dyrep/data';
import { dyrepPolicy } from '@dyrep/evolution';
import { manualSeed } from '@dyrep/nn';
import { fuseModel, listRepBlocks } from '@dyrep/rep-blocks';
import { saliencyCollector } from '@dyrep/saliency';
import { useBackend } from '@dyrep/test-utils';
import { Trainer, cosineSchedule, withWarmup, type EpochRecord } from '@dyrep/trainer';
import { createCenterNet, createDetectionLoader, decodeCenterNet, detectionTask, generateFashionMnistDetection, openCocoDataset, type CenterNet, type DetectionLoader } from '@dyrep/detection';

const SIDE = 64;
const EPOCHS = 8;

function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1e-12, tf.max(tf.abs(a)).dataSync()[0]));
}

/** Eval-mode output on `x`, restoring the modes of every module afterwards. */
function evalOutput(model: CenterNet, x: tf.Tensor): tf.Tensor4D {
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    return tf.tidy(() => model.forward(x) as tf.Tensor4D);
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

describe('detection training with the trainer and the dyrep policy', function () {
  this.timeout(400_000);
  useBackend('wasm');
  let root: string;
  let train: DetectionLoader;
  let val: DetectionLoader;
  let model: CenterNet;
  let fixedX: tf.Tensor4D;
  let history: EpochRecord[];
  const mutations: { grown: string[]; relDiff: number; ranked: string[] }[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'det-train-'));
    const source = await loadFashionMnist({ split: 'train' });
    const scaleRange = [0.5, 1.2] as const;
    const tr = await generateFashionMnistDetection({ outDir: join(root, 'train'), count: 384, canvas: SIDE, seed: 1, source, scaleRange });
    const va = await generateFashionMnistDetection({ outDir: join(root, 'val'), count: 64, canvas: SIDE, seed: 2, source, scaleRange });
    const trainDs = await openCocoDataset({ annotationFile: tr.annotationFile, imageDir: tr.imageDir, channels: 1 });
    const valDs = await openCocoDataset({ annotationFile: va.annotationFile, imageDir: va.imageDir, channels: 1 });
    manualSeed(0);
    model = createCenterNet({ numClasses: 10, backboneOptions: { width: 0.125, inChannels: 1 }, channels: 32 });
    train = await createDetectionLoader(trainDs, { stride: model.stride, batchSize: 16, shuffle: true, seed: 0, hflip: true });
    val = await createDetectionLoader(valDs, { stride: model.stride, batchSize: 32 });
    for await (const b of val.epoch()) {
      fixedX = tf.keep(tf.clone(b.x));
      tf.dispose([b.x, b.heatmap, b.regression, b.regMask]);
      break;
    }

    const saliency = saliencyCollector();
    let before: tf.Tensor4D | null = null;
    let ranked: string[] = [];
    const checker: Plugin = {
      id: 'function-check',
      priority: 90,
      hooks: {
        onBeforeMutate(ctx) {
          ranked = saliency.ranking(ctx.model).map((r) => r.path);
          before = evalOutput(ctx.model as CenterNet, fixedX);
        },
        onAfterMutate(ctx, result) {
          const after = evalOutput(ctx.model as CenterNet, fixedX);
          const grown = result.plan.ops.filter((op) => op.type === 'grow').map((op) => op.path);
          mutations.push({ grown, relDiff: relDiff(before!, after), ranked });
          tf.dispose([before!, after]);
          before = null;
        },
      },
    };
    const steps = EPOCHS * train.numBatches;
    const trainer = new Trainer({
      model,
      task: detectionTask({ numClasses: 10, stride: model.stride }),
      train,
      validation: val,
      epochs: EPOCHS,
      lr: withWarmup(cosineSchedule(0.1, steps, 1e-4), 2 * train.numBatches),
      inputShape: [SIDE, SIDE, 1],
      plugins: [saliency, dyrepPolicy({ saliency, adjustInterval: 1, recalBnBatches: 2, topK: 1 }), checker],
    });
    history = (await trainer.fit()).history;
    trainer.dispose();
  });

  after(async () => {
    fixedX?.dispose();
    model?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('lowers the loss and raises COCO mAP within a short run', () => {
    const first = history[0];
    const last = history[history.length - 1];
    expect(last.trainLoss).to.be.lessThan(first.trainLoss * 0.8);
    expect(last.val_mAP as number).to.be.greaterThan(first.val_mAP as number);
    expect(last.val_mAP as number).to.be.greaterThan(0.03);
    expect(last.val_AP50 as number).to.be.greaterThan(0.1);
    for (const k of ['val_mAP', 'val_AP50', 'val_AP75', 'val_AR100', 'val_loss']) expect(last).to.have.property(k);
  });

  it('grows convs during training, every change function-preserving (eval outputs within 1e-4 relative)', () => {
    expect(mutations.length).to.be.greaterThan(3);
    for (const m of mutations) expect(m.relDiff, `grow ${m.grown}`).to.be.lessThan(1e-4);
    const grown = mutations.flatMap((m) => m.grown);
    expect(grown.length).to.be.greaterThan(3);
    expect(listRepBlocks(model).length).to.be.greaterThan(0);
    // The saliency ranking covers backbone, neck and head convs alike.
    const ranked = new Set(mutations.flatMap((m) => m.ranked));
    for (const part of ['backbone.', 'neck.', 'head.'])
      expect(
        [...ranked].some((p) => p.startsWith(part)),
        part,
      ).to.equal(true);
  });

  it('fusing the trained detector gives the same detections and the same mAP', async () => {
    const fused = fuseModel(model);
    try {
      expect(listRepBlocks(fused)).to.have.length(0);
      const a = evalOutput(model, fixedX);
      const b = evalOutput(fused, fixedX);
      expect(relDiff(a, b)).to.be.lessThan(1e-4);
      const opts = { numClasses: 10, stride: model.stride, inputSize: [SIDE, SIDE] as const };
      const da = decodeCenterNet(a, opts);
      const db = decodeCenterNet(b, opts);
      tf.dispose([a, b]);
      da.forEach((d, i) => {
        expect(Array.from(db[i].labels)).to.deep.equal(Array.from(d.labels));
        d.boxes.forEach((v, j) => expect(db[i].boxes[j]).to.be.closeTo(v, 1e-3));
        d.scores.forEach((v, j) => expect(db[i].scores[j]).to.be.closeTo(v, 1e-4));
      });
      const task = detectionTask({ numClasses: 10, stride: model.stride });
      model.eval();
      fused.eval();
      const ma = await task.evaluate(model, val.epoch());
      const mb = await task.evaluate(fused, val.epoch());
      expect(mb.mAP).to.be.closeTo(ma.mAP, 1e-9);
      expect(mb.AP50).to.be.closeTo(ma.AP50, 1e-9);
    } finally {
      fused.dispose();
    }
  });
});
