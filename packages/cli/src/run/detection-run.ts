import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '@dyrep/backend';
import type { Plugin } from '@dyrep/core';
import { createCenterNet, createDetectionLoader, detectionTask, writeCocoJson, type CenterNet, type CenterNetOptions } from '@dyrep/detection';
import { createPolicy } from '@dyrep/evolution';
import { countParams, manualSeed } from '@dyrep/nn';
import { fuseModel, listRepBlocks } from '@dyrep/rep-blocks';
import { saliencyCollector } from '@dyrep/saliency';
import { MetricsLog, Trainer, silentProgress, warmupCosineSchedule, type EpochRecord, type StructureEvent } from '@dyrep/trainer';
import { createProgress } from '@dyrep/trainer/node';
import { ConfigError } from '../config/load-config';
import type { DetectConfig } from '../config/detect-schema';
import { directoryStorage, lockRunDirectory, prepareOutputDirectory, writeFileAtomic, writeJsonAtomic } from '@dyrep/core/node';
import { renderReport } from '../report/report-html';
import { detectionSummaryRows } from '../report/detection-summary';
import { loadBackbone } from './detection-backbone';
import { channelsOfImages, openDetectionSplits, resolveDetectionSplits, validationLoader } from './detection-data';
import { readDetectionMeta, type DetectionRunMeta } from './detection-model';
import { freezeBackbone } from './freeze-backbone';

/** What `dyrep detect train` writes to `summary.json`. */
export interface DetectionSummary {
  policy: string;
  backend: string;
  /** Where the backbone came from: `scratch`, or the run and structure it was transferred from. */
  backbone: string;
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

/** Options of {@link runDetectionTraining} that are not part of the config. */
export interface DetectionRunOptions {
  /** Replace an existing run in `out` (`--force`). */
  overwrite?: boolean;
  /** Progress and log lines on stderr (default true). */
  progress?: boolean;
  /** Seconds between progress lines when stderr is not a terminal (default 30; 0: one line per epoch). */
  logIntervalSeconds?: number;
}

/**
 * `dyrep detect train`: fine-tunes a CenterNet-style detector with the same trainer and plugins as
 * classification, from scratch or from a `dyrep train` run's backbone; evaluates COCO mAP each
 * epoch, checkpoints every epoch (`--resume` continues), fuses the result and re-evaluates it, and
 * writes the validation detections, `summary.json` and `report.html`. `--out` is checked up front
 * and locked while the run uses it, as `dyrep train` does.
 */
export async function runDetectionTraining(c: DetectConfig, options: DetectionRunOptions = {}): Promise<DetectionSummary> {
  await prepareOutputDirectory(c.out);
  const lock = await lockRunDirectory(c.out);
  try {
    return await detectLocked(c, options);
  } finally {
    await lock.release();
  }
}

async function detectLocked(c: DetectConfig, options: DetectionRunOptions): Promise<DetectionSummary> {
  const checkpoint = join(c.out, 'checkpoint', 'last.ckpt');
  if (c.resume && !existsSync(checkpoint)) throw new ConfigError(`--resume: no checkpoint at '${checkpoint}'`);
  if (!c.resume && (existsSync(checkpoint) || existsSync(join(c.out, 'summary.json'))) && !options.overwrite) {
    throw new ConfigError(`'${c.out}' already holds a detection run; pass --resume to continue it, --force to replace it, or choose another --out`);
  }
  const progress = options.progress === false ? silentProgress : createProgress(process.stderr, { intervalSeconds: options.logIntervalSeconds });
  const backend = await initBackend(c.backend);
  progress.log(`backend: ${backend.backend} (${backend.reason})`);
  const splits = await resolveDetectionSplits(c, (l) => progress.log(l));
  const channels = c.channels ?? (await channelsOfImages(splits.train));
  const data = await openDetectionSplits(splits, channels);
  const first = data.train.annotations(0);
  const inputSize: [number, number] = c.inputSize ? [c.inputSize, c.inputSize] : [first.height, first.width];
  const numClasses = data.train.categories.length;
  progress.log(`data: ${data.train.length} train / ${data.val.length} val images, ${numClasses} classes, ${channels} channel(s), input ${inputSize.join('×')}`);

  manualSeed(c.seed);
  let model: CenterNet;
  let normalization: { mean: number[]; std: number[] } | null = null;
  let backboneSource = 'scratch';
  if (c.resume) {
    // The architecture (a transferred backbone's included) and normalisation come from the run itself.
    const saved = readDetectionMeta(checkpoint);
    if (saved.channels !== channels || saved.inputSize.join() !== inputSize.join()) {
      throw new ConfigError(`--resume: '${c.out}' was trained on ${saved.channels}-channel input of ${saved.inputSize.join('×')}, not ${channels} channel(s) of ${inputSize.join('×')}`);
    }
    model = createCenterNet(saved.centerNet as CenterNetOptions);
    normalization = saved.normalization;
    backboneSource = saved.backbone;
  } else if (c.backbone) {
    const t = loadBackbone(c.backbone, { structure: c.backboneStructure, channels, model: c.model, width: c.width, stem: c.stem });
    normalization = t.normalization;
    const featureStrides = [4, 8, 16].filter((r) => t.model.featureInfo.some((f) => f.reduction === r));
    if (!featureStrides.length) {
      t.model.dispose();
      throw new ConfigError(`--backbone '${c.backbone}' has no stage at stride 4, 8 or 16 (stage strides: ${t.model.featureInfo.map((f) => f.reduction).join(', ')})`);
    }
    model = createCenterNet({ numClasses, ...t.architecture, featureStrides, channels: c.neckChannels, backboneModel: t.model });
    backboneSource = `${c.backbone} (${c.backboneStructure})`;
    progress.log(
      `backbone: ${backboneSource}, ${t.architecture.backbone} width ${t.architecture.backboneOptions.width}, ${listRepBlocks(model).length} rep-block(s)${t.inflated.length ? `, input convs ${t.inflated.join(', ')} adapted to ${channels} channel(s)` : ''}; classifier and unused stages dropped`,
    );
  } else {
    model = createCenterNet({ numClasses, backbone: c.model, backboneOptions: { width: c.width, stem: c.stem, inChannels: channels }, channels: c.neckChannels });
  }
  const meta = (): DetectionRunMeta => ({
    task: 'detection',
    config: c,
    centerNet: model.options,
    inputSize,
    channels,
    normalization,
    categories: data.train.categories.map((k) => k.id),
    backbone: backboneSource,
  });
  const loaderOptions = { stride: model.stride, inputSize, normalize: normalization ?? undefined, cacheImages: c.cacheImages, prefetch: c.prefetch };
  const train = await createDetectionLoader(data.train, { ...loaderOptions, batchSize: c.batchSize, shuffle: true, seed: c.seed, hflip: true });
  const val = await validationLoader(data.val, { ...loaderOptions, normalization });
  const task = detectionTask({ numClasses, stride: model.stride });
  const saliency = saliencyCollector({ seed: c.seed });
  const plugins: Plugin[] = c.policy === 'dyrep' ? [saliency, createPolicy('dyrep', { saliency, adjustInterval: c.adjustInterval, recalBnBatches: 5 })] : [];
  if (c.freezeBackboneEpochs > 0) plugins.push(freezeBackbone(c.freezeBackboneEpochs));
  const steps = c.epochs * train.numBatches;
  const trainer = new Trainer({
    model,
    task,
    train,
    validation: val,
    epochs: c.epochs,
    plugins,
    progress,
    storage: directoryStorage(c.out),
    inputShape: [...inputSize, channels],
    lr: warmupCosineSchedule(c.lr, steps, Math.min(c.warmupEpochs * train.numBatches, Math.floor(steps / 2)), Math.min(c.lrMin, c.lr)),
    meta: meta() as unknown as Record<string, unknown>,
  });
  try {
    if (c.resume) {
      const info = await trainer.resume();
      progress.log(`resumed from ${checkpoint} at epoch ${info.epoch + 1}`);
    }
    const fit = await trainer.fit();
    const history = await new MetricsLog(directoryStorage(c.out)).read();
    let fusedMetrics: Record<string, number> | null = null;
    let deployParams = countParams(model);
    model.eval();
    const { detections } = await task.detect(model, val.epoch());
    const dtFile = join(c.out, 'detections.json');
    await writeCocoJson(dtFile, detections);
    if (listRepBlocks(model).length) {
      const fused = fuseModel(model);
      fused.eval();
      fusedMetrics = await task.evaluate(fused, val.epoch());
      deployParams = countParams(fused);
      fused.dispose();
    }
    const summary: DetectionSummary = {
      policy: c.policy,
      backend: backend.backend,
      backbone: backboneSource,
      metrics: fit.finalMetrics,
      fusedMetrics,
      epochs: c.epochs,
      secondsPerEpoch: history.map((h) => h.seconds),
      params: { train: countParams(model), deploy: deployParams },
      events: [...trainer.structureEvents],
      history,
      groundTruth: splits.val.annotationFile,
      detections: dtFile,
    };
    await writeJsonAtomic(join(c.out, 'summary.json'), summary);
    await writeFileAtomic(
      join(c.out, 'report.html'),
      renderReport({
        title: `dyrep detect train: CenterNet, ${model.options.backbone} (width ${model.options.backboneOptions.width}) · ${c.policy}`,
        description: `${c.epochs} epochs, batch ${c.batchSize}, lr ${c.lr}, seed ${c.seed}, backbone from ${backboneSource}, ${data.train.length} training / ${data.val.length} validation images of ${channels} channel(s) at ${inputSize.join('×')}; backend ${backend.backend}.`,
        table: { header: ['', c.policy], rows: detectionSummaryRows(summary) },
        runs: [{ name: c.policy, history, events: [...trainer.structureEvents], epochs: c.epochs }],
        metric: { key: 'val_mAP', label: 'Validation mAP @[.50:.95]' },
      }),
    );
    return summary;
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
