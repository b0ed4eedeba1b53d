import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '@dyrep/backend';
import { deploy } from '@dyrep/exporter';
import { exportOnnx, exportTfjs } from '@dyrep/exporter/node';
import { createModel, getModelInfo, type ImageModel } from '@dyrep/models';
import { createPolicy, listPolicies } from '@dyrep/evolution';
import { createMetric } from '@dyrep/saliency';
import { countFlops, countParams, manualSeed, type Module } from '@dyrep/nn';
import {
  MetricsLog,
  Trainer,
  TrainingStoppedError,
  classificationTask,
  cosineSchedule,
  withWarmup,
  silentProgress,
  type ClassificationBatch,
  type EpochRecord,
  type ProgressReporter,
  type StructureEvent,
} from '@dyrep/trainer';
import { createProgress, readCheckpointMeta } from '@dyrep/trainer/node';
import type { Plugin } from '@dyrep/core';
import type { TrainConfig } from '../config/schema';
import { ConfigError } from '../config/load-config';
import { buildPlugins } from './build-plugins';
import { applyPretrained, checkWeightsOptions, torchSafetensorsOf } from './pretrained';
import { prepareData, testLoader, trainLoader, type PreparedData } from './prepare-data';
import { directoryStorage, lockRunDirectory, prepareOutputDirectory, writeFileAtomic, writeJsonAtomic } from '@dyrep/core/node';
import { runCheckpoint } from '../config/resume-config';
import { RunInterruptedError, SIGNAL_EXIT_CODES, restoreTerminal, withStopSignals, type StopSignal } from './stop-on-signals';
import { renderReport } from '../report/report-html';
import { describeTraining, trainSummaryRows } from '../report/train-summary';

/** What `dyrep train` writes to `summary.json`. */
export interface TrainSummary {
  model: string;
  policy: string;
  dataset: string;
  backend: string;
  /** Top-1 accuracy on the evaluated test split, a fraction. */
  testAccuracy: number;
  testTop5: number;
  epochs: number;
  secondsPerEpoch: number[];
  params: { train: number; deploy: number };
  flops: { train: number; deploy: number };
  /** max relative |Δ| between the trained and the deployed model on a test batch. */
  deployMaxRelDiff: number;
  /** Peak resident set size of the process (MB), including the wasm heap. */
  peakRssMB: number;
  events: StructureEvent[];
  history: EpochRecord[];
  exports: Record<string, string>;
}

/** Options of {@link runTraining} beyond the config. */
export interface RunOptions {
  /** Show a progress bar / progress lines (default true). */
  progress?: boolean;
  /** Replace an existing run in `out` (default false: refuse). */
  overwrite?: boolean;
  /** Extra plugins (probes, loggers) added to the run's own. */
  plugins?: Plugin[];
  /** Seconds between progress lines when stderr is not a terminal (default 30; 0: per epoch). */
  logIntervalSeconds?: number;
}

/** Builds the model a config describes for the given data. */
export function buildModel(config: Pick<TrainConfig, 'model' | 'width' | 'stem'>, data: Pick<PreparedData, 'classNames' | 'inputShape'>): Module {
  return createModel(config.model, {
    width: config.width,
    stem: config.stem,
    numClasses: data.classNames.length,
    inChannels: data.inputShape[2],
    inputSize: data.inputShape[0],
  });
}

/**
 * `dyrep train`: checks `--out` (writable, not in use: the run directory is locked), trains with
 * the configured policy, checkpoints every epoch, deploys the result to the plain network, exports
 * it, and writes `summary.json` and `report.html`. Returns the summary. SIGINT/SIGTERM during
 * set-up or training stop it after the current (or first) step with a checkpoint
 * ({@link RunInterruptedError}, exit code 130/143).
 */
export async function runTraining(config: TrainConfig, options: RunOptions = {}): Promise<TrainSummary> {
  checkNames(config);
  await prepareOutputDirectory(config.out);
  const lock = await lockRunDirectory(config.out);
  const progress = options.progress === false ? silentProgress : createProgress(process.stderr, { intervalSeconds: options.logIntervalSeconds });
  // One handler from the start, so a signal while the data loads still ends with a checkpoint;
  // once training is over the checkpoint is complete and a signal exits at once.
  let stopSignal: StopSignal | undefined;
  let trainer: Trainer<ClassificationBatch> | undefined;
  let trained = false;
  const phases: RunPhases = {
    trainer(t) {
      trainer = t;
      if (stopSignal) t.requestStop(stopSignal);
    },
    trained() {
      trained = true;
      return stopSignal;
    },
  };
  try {
    return await withStopSignals(
      (signal) => {
        if (trained) {
          restoreTerminal();
          process.stderr.write(
            `\n${signal}: exiting; training had finished and '${runCheckpoint(config.out)}' is complete; to write the exports and summary, resume with: dyrep train --out ${config.out} --resume\n`,
          );
          process.exit(SIGNAL_EXIT_CODES[signal]);
        }
        stopSignal = signal;
        progress.log(`${signal}: finishing the current step, then writing the checkpoint (send it again to quit at once)`);
        trainer?.requestStop(signal);
      },
      () => trainLocked(config, options, progress, phases),
    );
  } finally {
    await lock.release();
  }
}

/** Callbacks through which a run tells its signal handler how far it is. */
interface RunPhases {
  /** The trainer exists: a stop request can reach it. */
  trainer(trainer: Trainer<ClassificationBatch>): void;
  /** Training is over (checkpoint complete); returns the signal received meanwhile, if any (it came too late to stop a step). */
  trained(): StopSignal | undefined;
}

async function trainLocked(config: TrainConfig, options: RunOptions, progress: ProgressReporter, phases: RunPhases): Promise<TrainSummary> {
  const out = config.out;
  const checkpoint = runCheckpoint(out);
  if (config.resume && !existsSync(checkpoint)) throw new ConfigError(`--resume: no checkpoint at '${checkpoint}'`);
  if (!config.resume && existsSync(checkpoint) && !options.overwrite) {
    throw new ConfigError(`'${out}' already holds a run (${checkpoint}); pass --resume to continue it, --force to replace it, or choose another --out`);
  }
  const backend = await initBackend(config.backend);
  progress.log(`backend: ${backend.backend} (${backend.reason})`);
  let data = await prepareData(config);
  progress.log(`data: ${data.description}`);
  manualSeed(config.seed);
  const model = buildModel(config, data);
  if (config.resume) {
    // The checkpoint holds every weight; only the input normalization of the start is needed.
    const saved = readCheckpointMeta(checkpoint).meta as { normalization?: PreparedData['normalization'] };
    if (saved.normalization !== undefined) data = { ...data, normalization: saved.normalization };
  } else if (config.pretrained) {
    const start = applyPretrained(model as ImageModel, config);
    progress.log(start.description);
    if (start.normalization) data = { ...data, normalization: start.normalization };
  }
  const train = trainLoader(data, config);
  const stepsPerEpoch = train.numBatches;
  const totalSteps = config.epochs * stepsPerEpoch;
  const task = classificationTask({ labelSmoothing: config.labelSmoothing });
  const trainer = new Trainer({
    model,
    task,
    train,
    validation: testLoader(data, config),
    epochs: config.epochs,
    lr: withWarmup(cosineSchedule(config.lr, totalSteps, Math.min(config.lrMin, config.lr)), config.warmupEpochs * stepsPerEpoch),
    optimizer: { momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay, decayBiasAndNorm: config.decayBiasAndNorm },
    plugins: [...buildPlugins(config), ...(options.plugins ?? [])],
    inputShape: data.inputShape,
    storage: directoryStorage(out),
    progress,
    meta: { config, classNames: data.classNames, inputShape: data.inputShape, normalization: data.normalization },
  });
  phases.trainer(trainer);
  try {
    if (config.resume) {
      const info = await trainer.resume();
      progress.log(`resumed from ${checkpoint} at epoch ${info.epoch + 1}`);
    }
    const fit = await trainer.fit().catch((e: unknown) => {
      if (!(e instanceof TrainingStoppedError)) throw e;
      throw new RunInterruptedError(
        e.reason as 'SIGINT' | 'SIGTERM',
        `interrupted by ${e.reason} at epoch ${e.epoch + 1}, step ${e.step}; checkpoint '${checkpoint}'; resume with: dyrep train --out ${out} --resume`,
      );
    });
    const late = phases.trained();
    if (late)
      throw new RunInterruptedError(
        late,
        `interrupted by ${late} as training finished; checkpoint '${checkpoint}' is complete; to write the exports and summary, resume with: dyrep train --out ${out} --resume`,
      );
    const finalMetrics = fit.finalMetrics.top1 !== undefined ? fit.finalMetrics : await task.evaluate(model.eval(), testLoader(data, config).epoch());
    const history = await new MetricsLog(directoryStorage(out)).read();
    const deployed = deploy(model, { inputShape: [1, ...data.inputShape] });
    try {
      const exports = await exportModel(deployed, config, data, out);
      if (config.export.includes('safetensors')) {
        // torchvision layout keeps the BNs: the trained network with its blocks fused, not BN-folded.
        exports.safetensors = join(out, 'export', 'model.safetensors');
        await writeFileAtomic(exports.safetensors, torchSafetensorsOf(model, config.model, data));
      }
      const batch = tf.tidy(() => tf.randomUniform([8, ...data.inputShape], 0, 1, 'float32', config.seed));
      const deployMaxRelDiff = relativeDiff(model, deployed, batch);
      batch.dispose();
      const summary: TrainSummary = {
        model: config.model,
        policy: config.policy,
        dataset: config.dataset,
        backend: backend.backend,
        testAccuracy: finalMetrics.top1,
        testTop5: finalMetrics.top5,
        epochs: config.epochs,
        secondsPerEpoch: history.map((h) => h.seconds),
        params: { train: countParams(model), deploy: countParams(deployed) },
        flops: { train: countFlops(model, data.inputShape), deploy: countFlops(deployed, data.inputShape) },
        deployMaxRelDiff,
        peakRssMB: process.resourceUsage().maxRSS / 1024,
        events: [...trainer.structureEvents],
        history,
        exports,
      };
      await writeJsonAtomic(join(out, 'summary.json'), summary);
      await writeFileAtomic(
        join(out, 'report.html'),
        renderReport({
          title: `dyrep train: ${config.model} (width ${config.width}) · ${config.policy} · ${config.dataset}`,
          description: `${config.epochs} epochs, ${describeTraining(config, backend.backend)}`,
          table: { header: ['', config.policy], rows: trainSummaryRows(summary) },
          runs: [{ name: config.policy, history, events: summary.events, epochs: config.epochs }],
          metric: { key: 'val_top1', label: 'Test accuracy (top-1)' },
        }),
      );
      return summary;
    } finally {
      deployed.dispose();
    }
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** Fails fast, before any data is read, on an unknown model, policy or metric name. */
/** Unknown model, policy or metric names are usage errors ({@link ConfigError}), reported before any work starts. */
export function checkNames(config: TrainConfig): void {
  try {
    getModelInfo(config.model);
    checkWeightsOptions(config);
    if (!listPolicies().includes(config.policy)) createPolicy(config.policy);
    if (config.policy === 'dyrep') createMetric(config.metric);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

async function exportModel(deployed: Module, config: TrainConfig, data: PreparedData, out: string): Promise<Record<string, string>> {
  const common = {
    inputSize: data.inputShape,
    classNames: data.classNames,
    normalization: data.normalization ? { mean: [...data.normalization.mean], std: [...data.normalization.std] } : undefined,
    architecture: `${config.model} (width ${config.width}, ${config.stem} stem) trained with ${config.policy}`,
    overwrite: true,
  };
  const exports: Record<string, string> = {};
  if (config.export.includes('tfjs')) {
    const dir = join(out, 'export', 'tfjs');
    await exportTfjs(deployed, dir, common);
    exports.tfjs = join(dir, 'model.json');
  }
  if (config.export.includes('onnx')) {
    const file = join(out, 'export', 'model.onnx');
    await exportOnnx(deployed, file, common);
    exports.onnx = file;
  }
  return exports;
}

function relativeDiff(a: Module, b: Module, x: tf.Tensor): number {
  a.eval();
  b.eval();
  return tf.tidy(() => {
    const ya = a.forward(x);
    const yb = b.forward(x);
    return tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0] / Math.max(tf.max(tf.abs(ya)).dataSync()[0], 1e-12);
  });
}
