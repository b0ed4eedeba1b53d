import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, type BackendName } from '@dyrep/backend';
import { createCenterNet, createDetectionLoader, detectionTask, generateFashionMnistDetection, openCocoDataset, writeCocoJson } from '@dyrep/detection';
import { createPolicy } from '@dyrep/evolution';
import { countParams, manualSeed } from '@dyrep/nn';
import { fuseModel, listRepBlocks } from '@dyrep/rep-blocks';
import { saliencyCollector } from '@dyrep/saliency';
import { Trainer, createProgress, warmupCosineSchedule, type EpochRecord, type StructureEvent } from '@dyrep/trainer';
import { ConfigError } from '../config/load-config';
import { writeFileAtomic, writeJsonAtomic } from '@dyrep/core/node';
import { renderReport } from '../report/report-html';
import { detectionSummaryRows } from '../report/detection-summary';

/** Options of `dyrep detect train`. */
export interface DetectionRunOptions {
  /** COCO dataset root with `train/annotations.json`, `train/images/`, `val/…`; generated from Fashion-MNIST when absent. */
  dataDir?: string;
  /** Canvases to generate for train / val when generating (defaults 600 / 150). */
  generate: [number, number];
  canvas: number;
  width: number;
  channels: number;
  epochs: number;
  batchSize: number;
  lr: number;
  policy: 'none' | 'dyrep';
  adjustInterval: number;
  seed: number;
  backend: BackendName;
  out: string;
  force: boolean;
}

/** What `dyrep detect train` writes to `summary.json`. */
export interface DetectionSummary {
  policy: string;
  backend: string;
  metrics: Record<string, number>;
  fusedMetrics: Record<string, number> | null;
  epochs: number;
  secondsPerEpoch: number[];
  params: { train: number; deploy: number };
  events: StructureEvent[];
  history: EpochRecord[];
  groundTruth: string;
  detections: string;
}

/**
 * `dyrep detect train`: fine-tunes a CenterNet-style detector (ResNet-18 backbone) with the same
 * trainer and plugins as classification, evaluates COCO mAP each epoch, fuses the result and
 * re-evaluates it, and writes the validation detections for `dyrep detect eval`, `summary.json`
 * and a `report.html` with the mAP, loss and parameter curves and the structure timeline.
 */
export async function runDetectionTraining(o: DetectionRunOptions): Promise<DetectionSummary> {
  if (existsSync(join(o.out, 'summary.json')) && !o.force) throw new ConfigError(`'${o.out}' already holds a detection run; pass --force to replace it`);
  const progress = createProgress(process.stderr);
  const backend = await initBackend(o.backend);
  progress.log(`backend: ${backend.backend} (${backend.reason})`);
  const root = o.dataDir ?? join(o.out, 'data');
  if (!o.dataDir) {
    progress.log(`generating ${o.generate[0]} + ${o.generate[1]} Fashion-MNIST detection canvases of ${o.canvas}×${o.canvas} in ${root}`);
    await generateFashionMnistDetection({ outDir: join(root, 'train'), count: o.generate[0], canvas: o.canvas, seed: o.seed + 1 });
    await generateFashionMnistDetection({ outDir: join(root, 'val'), count: o.generate[1], canvas: o.canvas, seed: o.seed + 2, split: 'test' });
  }
  const open = (split: string) => openCocoDataset({ annotationFile: join(root, split, 'annotations.json'), imageDir: join(root, split, 'images'), channels: 1 });
  const [trainDs, valDs] = [await open('train'), await open('val')];
  const numClasses = trainDs.categories.length;
  manualSeed(o.seed);
  const model = createCenterNet({ numClasses, backboneOptions: { width: o.width, inChannels: 1 }, channels: o.channels });
  const train = await createDetectionLoader(trainDs, { stride: model.stride, batchSize: o.batchSize, shuffle: true, seed: o.seed, hflip: true });
  const val = await createDetectionLoader(valDs, { stride: model.stride, batchSize: 32 });
  const task = detectionTask({ numClasses, stride: model.stride });
  const saliency = saliencyCollector({ seed: o.seed });
  const plugins = o.policy === 'dyrep' ? [saliency, createPolicy('dyrep', { saliency, adjustInterval: o.adjustInterval, recalBnBatches: 5 })] : [];
  const steps = o.epochs * train.numBatches;
  const trainer = new Trainer({
    model, task, train, validation: val, epochs: o.epochs, plugins, progress, outDir: o.out,
    inputShape: [o.canvas, o.canvas, 1],
    // Two warm-up epochs, at most half the run, ramping to the base rate; then cosine to 1e-4.
    lr: warmupCosineSchedule(o.lr, steps, Math.min(2 * train.numBatches, Math.floor(steps / 2)), Math.min(1e-4, o.lr)),
    meta: { task: 'detection', options: o },
  });
  try {
    const fit = await trainer.fit();
    let fusedMetrics: Record<string, number> | null = null;
    let deployParams = countParams(model);
    model.eval();
    const { detections } = await task.detect(model, val.epoch());
    const dtFile = join(o.out, 'detections.json');
    await writeCocoJson(dtFile, detections);
    if (listRepBlocks(model).length) {
      const fused = fuseModel(model, { factory: () => createCenterNet(model.options) });
      fused.eval();
      fusedMetrics = await task.evaluate(fused, val.epoch());
      deployParams = countParams(fused);
      fused.dispose();
    }
    const summary: DetectionSummary = {
      policy: o.policy,
      backend: backend.backend,
      metrics: fit.finalMetrics,
      fusedMetrics,
      epochs: o.epochs,
      secondsPerEpoch: fit.history.map((h) => h.seconds),
      params: { train: countParams(model), deploy: deployParams },
      events: fit.events,
      history: fit.history,
      groundTruth: join(root, 'val', 'annotations.json'),
      detections: dtFile,
    };
    await writeJsonAtomic(join(o.out, 'summary.json'), summary);
    await writeFileAtomic(join(o.out, 'report.html'), renderReport({
      title: `dyrep detect train: CenterNet, resnet18 (width ${o.width}) · ${o.policy}`,
      description: `${o.epochs} epochs, batch ${o.batchSize}, lr ${o.lr}, seed ${o.seed}, ${trainDs.images.length} training / ${valDs.images.length} validation images; backend ${backend.backend}.`,
      table: { header: ['', o.policy], rows: detectionSummaryRows(summary) },
      runs: [{ name: o.policy, history: fit.history, events: fit.events, epochs: o.epochs }],
      metric: { key: 'val_mAP', label: 'Validation mAP @[.50:.95]' },
    }));
    return summary;
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
