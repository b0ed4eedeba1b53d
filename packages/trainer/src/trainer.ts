import * as tf from '@tensorflow/tfjs-core';
import type { BatchInfo, BatchSource, CheckpointInfo, Logs, MutationPlan, MutationResult, Plugin, RunStorage, Task, TrainerContext } from '@dyrep/core';
import { countFlops, countParams, describeNonFinite, findNonFinite, globalRng, type Module } from '@dyrep/nn';
import { applyMutationPlan, describeArchitecture, normalizeMutationPlan } from '@dyrep/rep-blocks';
import { HookManager } from './hook-manager';
import { SGD, type SgdOptions } from './optim/sgd';
import { cosineSchedule, type LrSchedule } from './optim/lr-schedule';
import { CheckpointError, encodeCheckpoint } from './checkpoint-file';
import { CHECKPOINT_FORMAT, CHECKPOINT_NAME, disposeCheckpoint, parseCheckpoint, restoreModel, type CheckpointMeta, type PartialEpoch } from './checkpoint';
import { MetricsLog, type EpochRecord, type StructureEvent } from './metrics-log';
import { silentProgress, type ProgressReporter } from './progress';

/** Options of {@link Trainer}. */
export interface TrainerOptions<B> {
  /** The network; its structure may change during training through mutation plans. */
  model: Module;
  /** What is optimised and how it is evaluated (e.g. `classificationTask()`). */
  task: Task<B>;
  /** Training batches (one pass per epoch). */
  train: BatchSource<B>;
  /** Validation batches, evaluated after every epoch. */
  validation?: BatchSource<B>;
  /** Number of epochs. */
  epochs: number;
  /** A fixed base LR with cosine decay to `lrMin` over the run (default 0.1), or a schedule of the step. */
  lr?: number | LrSchedule;
  /** Floor of the default cosine schedule (default 1e-6). */
  lrMin?: number;
  /** SGD settings (momentum 0.9, weight decay 1e-4 by default). */
  optimizer?: SgdOptions;
  /** Plugins to register (saliency collectors, policies, loggers, task adapters). */
  plugins?: Plugin[];
  /** Shape of one input example `[H, W, C]`, for FLOPs. */
  inputShape: number[];
  /**
   * Where the run keeps `checkpoint/last.ckpt` and `metrics.jsonl` — `directoryStorage(dir)` from
   * `@dyrep/core/node` for a directory, `new MemoryRunStorage()` in memory (e.g. in a browser);
   * nothing is written without it.
   */
  storage?: RunStorage;
  /** Progress display (silent by default). */
  progress?: ProgressReporter;
  /** Free-form description stored in checkpoints (model name, options, dataset). */
  meta?: Record<string, unknown>;
}

/** What {@link Trainer.fit} returns. */
export interface FitResult {
  /** One record per epoch run in this call (also written to metrics.jsonl). */
  history: EpochRecord[];
  /** Every structure change of the run, including those before a resume. */
  events: StructureEvent[];
  /** The last validation metrics. */
  finalMetrics: Logs;
}

/** A run stopped because the loss became NaN or infinite; `kept` says which checkpoint survives, if any. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
    kept: string,
  ) {
    super(`training stopped: the loss is ${loss} at epoch ${epoch + 1}, step ${step}; ${kept} (lower the learning rate?)`);
    this.name = 'NonFiniteLossError';
  }
}

/** A run stopped because weights, BN statistics or optimizer state hold NaN/Infinity (the loss can stay finite, e.g. when ReLU maps NaN to 0). */
export class NonFiniteWeightsError extends Error {
  constructor(
    readonly epoch: number,
    readonly what: string,
    kept: string,
  ) {
    super(`training stopped: the model diverged in epoch ${epoch + 1} (${what}); ${kept} (lower the learning rate or the weight decay?)`);
    this.name = 'NonFiniteWeightsError';
  }
}

/** A run stopped on request ({@link Trainer.requestStop}, e.g. SIGINT) after finishing a step and writing its checkpoint. */
export class TrainingStoppedError extends Error {
  constructor(
    readonly reason: string,
    readonly epoch: number,
    readonly step: number,
    readonly checkpoint: string | undefined,
  ) {
    super(`training stopped by ${reason} at epoch ${epoch + 1}, step ${step}${checkpoint ? `; checkpoint written to '${checkpoint}'` : ''}`);
    this.name = 'TrainingStoppedError';
  }
}

/**
 * Runs epochs of training and validation on any `@dyrep/nn` model, dispatching the hook events of
 * `@dyrep/core` to its plugins, applying the structure changes they propose between epochs, and
 * writing metrics and atomic checkpoints.
 */
export class Trainer<B> {
  readonly hooks = new HookManager();
  readonly optimizer: SGD;
  private readonly opts: TrainerOptions<B>;
  private readonly schedule: LrSchedule;
  private readonly progress: ProgressReporter;
  private readonly storage?: RunStorage;
  private readonly metrics?: MetricsLog;
  /** Finished epochs in the checkpoint last written or resumed from (undefined: none exists). */
  private checkpointEpoch?: number;
  private resumedPartial?: PartialEpoch;
  private stopReason?: string;
  private readonly pending: MutationPlan[] = [];
  private events: StructureEvent[] = [];
  private epochNow = 0;
  private stepNow = 0;
  private startEpoch = 0;
  readonly context: TrainerContext;

  constructor(options: TrainerOptions<B>) {
    if (!Number.isInteger(options.epochs) || options.epochs < 1) throw new Error(`epochs must be a positive integer, got ${options.epochs}`);
    if (options.train.numBatches < 1) throw new Error('the training data yields no batch (is it empty, or smaller than one batch with dropLast?)');
    this.opts = options;
    this.optimizer = new SGD(options.optimizer);
    const totalSteps = options.epochs * options.train.numBatches;
    this.schedule = typeof options.lr === 'function' ? options.lr : cosineSchedule(options.lr ?? 0.1, totalSteps, options.lrMin ?? 1e-6);
    this.progress = options.progress ?? silentProgress;
    this.storage = options.storage;
    this.metrics = this.storage ? new MetricsLog(this.storage, undefined, (m) => this.progress.log(m)) : undefined;
    for (const p of options.plugins ?? []) this.hooks.use(p);
    const self = this;
    this.context = {
      get model() {
        return self.opts.model;
      },
      get epoch() {
        return self.epochNow;
      },
      get step() {
        return self.stepNow;
      },
      get epochs() {
        return self.opts.epochs;
      },
      get lr() {
        return self.schedule(self.stepNow);
      },
      proposeMutation: (plan) => {
        this.pending.push(plan);
      },
      trainingBatches: (n) => this.trainingBatches(n),
      log: (m) => this.progress.log(m),
    };
  }

  /** Registers a plugin; returns a function that unregisters it. */
  use(plugin: Plugin): () => void {
    return this.hooks.use(plugin);
  }

  /** Event → plugins table in dispatch order. */
  describeHooks(): string {
    return this.hooks.describe();
  }

  /** Where the checkpoint is (a file path for a directory storage), when the run has storage. */
  get checkpointFile(): string | undefined {
    return this.storage?.locate(CHECKPOINT_NAME);
  }

  /**
   * Asks the run to stop: the current step finishes, the checkpoint (with the position inside the
   * epoch) is written, and {@link Trainer.fit} rejects with a {@link TrainingStoppedError}.
   * `reason` names the cause in messages (e.g. `SIGINT`).
   */
  requestStop(reason = 'request'): void {
    this.stopReason ??= reason;
  }

  /** Which checkpoint survives a failure now, for messages. */
  private keptCheckpoint(): string {
    if (!this.storage) return 'no checkpoint is written (the run has no storage)';
    if (this.checkpointEpoch === undefined) return 'no checkpoint exists (the run diverged before its first epoch ended)';
    return `the last finite checkpoint is '${this.checkpointFile}' (after epoch ${this.checkpointEpoch})`;
  }

  /** Structure changes applied so far. */
  get structureEvents(): readonly StructureEvent[] {
    return this.events;
  }

  /** Trains from the current epoch to `epochs`, returning per-epoch records and structure events. */
  async fit(): Promise<FitResult> {
    const { model, task, train, validation, epochs } = this.opts;
    const ctx = this.context;
    const history: EpochRecord[] = [];
    let finalMetrics: Logs = {};
    try {
      await this.hooks.emit('setup', ctx);
      await this.hooks.emit('onTrainBegin', ctx);
      let carried = await this.applyPendingMutations(this.startEpoch);
      await this.metrics?.truncateTo(this.startEpoch);
      for (let epoch = this.startEpoch; epoch < epochs; epoch++) {
        this.epochNow = epoch;
        const partial = this.resumedPartial;
        this.resumedPartial = undefined;
        const t0 = performance.now() - (partial?.seconds ?? 0) * 1000;
        if (!partial) await this.hooks.emit('onEpochBegin', ctx, epoch);
        model.train();
        this.progress.start(epoch, epochs, train.numBatches);
        let { lossSum, seen, batches, dataSeconds } = partial ?? { lossSum: 0, seen: 0, batches: 0, dataSeconds: 0 };
        let waitStart = performance.now();
        for await (const batch of train.epoch()) {
          dataSeconds += (performance.now() - waitStart) / 1000;
          const loss = await this.trainStep(batch, epoch);
          const n = task.batchSize(batch);
          lossSum += loss * n;
          seen += n;
          batches++;
          this.progress.update(batches, seen, lossSum / seen);
          if (this.stopReason && batches < train.numBatches) {
            await this.stop({ lossSum, seen, batches, dataSeconds, seconds: (performance.now() - t0) / 1000 });
          }
          waitStart = performance.now();
        }
        const lr = this.schedule(Math.max(0, this.stepNow - 1));
        const trainLogs: Logs = { loss: lossSum / Math.max(seen, 1), lr };
        await this.hooks.emit('onEpochEnd', ctx, epoch, trainLogs);
        if (validation) {
          model.eval();
          await this.hooks.emit('onValidationBegin', ctx);
          finalMetrics = await task.evaluate(model, validation.epoch());
          await this.hooks.emit('onValidationEnd', ctx, finalMetrics);
        }
        const trainParams = countParams(model);
        const epochEvents = [...carried, ...(await this.applyPendingMutations(epoch))];
        carried = [];
        const seconds = (performance.now() - t0) / 1000;
        const record: EpochRecord = {
          epoch,
          lr,
          trainLoss: trainLogs.loss,
          ...Object.fromEntries(Object.entries(finalMetrics).map(([k, v]) => [`val_${k}`, v])),
          seconds,
          dataSeconds,
          params: countParams(model),
          trainParams,
          flops: countFlops(model, this.opts.inputShape),
          events: epochEvents,
        };
        history.push(record);
        await this.metrics?.append(record);
        this.progress.stop(formatEpoch(record, epochs, task.primaryMetric));
        this.epochNow = epoch + 1;
        if (this.storage) await this.saveCheckpoint();
        else this.checkFinite();
        if (this.stopReason && epoch + 1 < epochs) await this.stop();
      }
      await this.hooks.emit('onTrainEnd', ctx);
    } finally {
      await this.hooks.emit('teardown', ctx);
    }
    return { history, events: [...this.events], finalMetrics };
  }

  private async trainStep(batch: B, epoch: number): Promise<number> {
    const { model, task } = this.opts;
    const ctx = this.context;
    try {
      await this.hooks.emit('onBatchBegin', ctx, this.stepNow, { size: task.batchSize(batch), input: task.input(batch) });
      const lr = this.schedule(this.stepNow);
      const params = model.namedParameters();
      const { value, grads } = tf.variableGrads(
        () => task.loss(model, batch),
        params.map(([, v]) => v),
      );
      try {
        const loss = (await value.data())[0];
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(epoch, this.stepNow, loss, this.keptCheckpoint());
        const byPath = new Map<string, tf.Tensor>();
        for (const [path, v] of params) if (grads[v.name]) byPath.set(path, grads[v.name]);
        await this.hooks.emit('onAfterBackward', ctx, this.stepNow, { loss: value, grads: byPath });
        await this.hooks.emit('onBeforeOptimizerStep', ctx, this.stepNow);
        this.optimizer.step(params, byPath, lr);
        const step = this.stepNow++;
        await this.hooks.emit('onBatchEnd', ctx, step, { loss, lr });
        return loss;
      } finally {
        tf.dispose([value, grads]);
      }
    } finally {
      disposeBatch(batch);
    }
  }

  private async applyPendingMutations(epoch: number): Promise<StructureEvent[]> {
    const out: StructureEvent[] = [];
    while (this.pending.length) {
      const plan = this.pending.shift()!;
      if (!plan.ops.length) continue;
      for (const { op, reason } of normalizeMutationPlan(this.opts.model, plan).dropped) {
        this.progress.log(`epoch ${epoch + 1}: ${op.type} ${op.path} [${op.branches.join(', ')}] from '${plan.source}' skipped: ${reason}`);
      }
      await this.hooks.emit('onBeforeMutate', this.context, plan);
      const result: MutationResult = await applyMutationPlan(this.opts.model, plan, {
        inputShape: this.opts.inputShape,
        recalibrationBatches: () => this.trainingBatches(plan.recalibrateBnBatches ?? 0),
      });
      this.optimizer.onStructureChange(result);
      for (const op of result.plan.ops) {
        const event: StructureEvent = { epoch, type: op.type, path: op.path, branches: [...op.branches] };
        out.push(event);
        this.events.push(event);
        this.progress.log(`epoch ${epoch + 1}: ${op.type} ${op.path} [${op.branches.join(', ')}]`);
      }
      this.progress.log(`epoch ${epoch + 1}: structure now ${result.params.toLocaleString('en-US')} params, ${(result.flops / 1e6).toFixed(2)} MFLOPs`);
      await this.hooks.emit('onAfterMutate', this.context, result);
    }
    return out;
  }

  /** Up to `n` training batches from a detached pass: the main loader's position is restored afterwards. */
  private async *trainingBatches(n: number): AsyncIterable<BatchInfo> {
    if (n <= 0) return;
    const { train, task } = this.opts;
    const saved = train.getState?.();
    let i = 0;
    try {
      for await (const batch of train.epoch()) {
        try {
          yield { size: task.batchSize(batch), input: task.input(batch) };
        } finally {
          disposeBatch(batch);
        }
        if (++i >= n) break;
      }
    } finally {
      if (saved !== undefined) train.setState?.(saved as never);
    }
  }

  /** Writes the checkpoint after a stop request and rejects with {@link TrainingStoppedError}. */
  private async stop(partial?: PartialEpoch): Promise<never> {
    if (this.storage) await this.saveCheckpoint(partial);
    this.progress.log(`stopping (${this.stopReason}): step ${this.stepNow} finished${this.storage ? `, checkpoint written to '${this.checkpointFile}'` : ''}`);
    throw new TrainingStoppedError(this.stopReason!, this.epochNow, this.stepNow, this.checkpointFile);
  }

  /** Throws {@link NonFiniteWeightsError} when a parameter, BN statistic or optimizer buffer holds NaN/Infinity. */
  private checkFinite(): void {
    const bad = findNonFinite([...Object.entries(this.opts.model.stateDict()), ...[...this.optimizer.getState()].map(([k, v]) => [`momentum of ${k}`, v] as const)]);
    if (bad) throw new NonFiniteWeightsError(this.epochNow - 1, describeNonFinite(bad), this.keptCheckpoint());
  }

  /**
   * Writes the run's full state to its storage (`checkpoint/last.ckpt`, atomically) and emits
   * `onSaveCheckpoint`. Refuses non-finite state ({@link NonFiniteWeightsError}), so the previous,
   * finite checkpoint is kept. `partial` marks a checkpoint taken inside an epoch.
   */
  async saveCheckpoint(partial?: PartialEpoch): Promise<void> {
    const { model } = this.opts;
    if (!this.storage) throw new Error('saveCheckpoint: the trainer has no storage (set `storage`)');
    this.checkFinite();
    const plugins: Record<string, unknown> = {};
    for (const p of this.hooks.list()) if (p.state) plugins[p.id] = p.state.save();
    const meta: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      version: 1,
      epoch: this.epochNow,
      ...(partial ? { partial } : {}),
      step: this.stepNow,
      ...describeArchitecture(model),
      meta: this.opts.meta ?? {},
      rng: globalRng().getState(),
      loader: this.opts.train.getState?.() ?? null,
      events: this.events,
      plugins,
    };
    const tensors = new Map<string, tf.Tensor>();
    for (const [k, v] of Object.entries(model.stateDict())) tensors.set(`model/${k}`, v);
    for (const [k, v] of this.optimizer.getState()) tensors.set(`optim/${k}`, v);
    await this.storage.write(CHECKPOINT_NAME, encodeCheckpoint(meta, tensors));
    this.checkpointEpoch = this.epochNow;
    await this.hooks.emit('onSaveCheckpoint', this.context, { epoch: this.epochNow, step: this.stepNow, plugins });
  }

  /**
   * Restores a run from the checkpoint in `from` (another run's storage, e.g.
   * `directoryStorage(dir)`; by default the run's own): rebuilds the
   * model's rep-block structure, loads weights, buffers, optimizer state, RNG, data position
   * (also inside an interrupted epoch) and plugin states, then emits `onLoadCheckpoint`. The model
   * must be the plain network the checkpoint was trained from; any difference is reported path by path.
   */
  async resume(from: RunStorage | undefined = this.storage): Promise<CheckpointInfo> {
    if (!from) throw new Error('resume: no storage given and the trainer has none');
    const source = from.locate(CHECKPOINT_NAME);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await from.read(CHECKPOINT_NAME);
    } catch (e) {
      throw new CheckpointError(`cannot read checkpoint '${source}': ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
    if (!bytes) throw new CheckpointError(`cannot read checkpoint '${source}': ENOENT`);
    const ckpt = parseCheckpoint(bytes, source);
    try {
      const m = ckpt.meta;
      restoreModel(this.opts.model, ckpt, `checkpoint '${source}'`);
      this.optimizer.loadState(ckpt.optimizer);
      if (!Array.isArray(m.rng) || m.rng.length !== 4) {
        throw new CheckpointError(`cannot resume '${source}': it holds the random-generator state of an earlier dyrep-ts (before the one xoshiro128** Rng); export it, or start the run again`);
      }
      globalRng().setState(m.rng);
      if (m.loader !== null && this.opts.train.setState) this.opts.train.setState(m.loader as never);
      for (const p of this.hooks.list()) {
        if (p.state && m.plugins[p.id] !== undefined) p.state.load(m.plugins[p.id]);
      }
      this.epochNow = this.startEpoch = m.epoch;
      this.resumedPartial = m.partial;
      this.checkpointEpoch = m.epoch;
      this.stepNow = m.step;
      this.events = [...m.events];
      const info: CheckpointInfo = { epoch: m.epoch, step: m.step, plugins: m.plugins };
      await this.hooks.emit('onLoadCheckpoint', this.context, info);
      return info;
    } finally {
      disposeCheckpoint(ckpt);
    }
  }

  /** Disposes the optimizer state (the model stays the caller's). */
  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Disposes the tensor fields of a batch (the consumer owns them, see `BatchSource`); plain data fields are left alone. */
function disposeBatch(batch: unknown): void {
  for (const v of Object.values(batch as Record<string, unknown>)) if (v instanceof tf.Tensor) v.dispose();
}

function formatEpoch(r: EpochRecord, epochs: number, primary: string): string {
  const val = r[`val_${primary}`];
  const metric = typeof val === 'number' ? ` val ${primary} ${(val * 100).toFixed(2)}%` : '';
  return `epoch ${r.epoch + 1}/${epochs}: loss ${r.trainLoss.toFixed(4)}${metric} lr ${r.lr.toExponential(2)} ${r.seconds.toFixed(1)}s params ${r.params}`;
}
