import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@dyrep/nn';
import type { MutationPlan, MutationResult } from './mutation';

/** Scalar logs of a batch, an epoch or a validation pass. */
export type Logs = Record<string, number>;

/** Payload of `onAfterBackward`: the loss and the gradient of every trainable parameter, keyed by path. Borrowed. */
export interface BackwardInfo {
  loss: tf.Scalar;
  grads: ReadonlyMap<string, tf.Tensor>;
}

/** A batch as hooks see it: its size and its model input (the task's `input(batch)`), borrowed for the duration of the call. */
export interface BatchInfo {
  /** Number of examples. */
  size: number;
  /** The model input of the batch. */
  input: tf.Tensor;
}

/** A checkpoint as hooks see it: `plugins[id]` holds each plugin's saved state. */
export interface CheckpointInfo {
  epoch: number;
  step: number;
  plugins: Record<string, unknown>;
}

/** Read access to the run that every hook receives, plus the few things a hook may ask of it. */
export interface TrainerContext {
  /** The model being trained; its structure changes only through mutation plans. */
  readonly model: Module;
  /** Current epoch (0-based). */
  readonly epoch: number;
  /** Global optimizer step count so far. */
  readonly step: number;
  /** Number of epochs of the run. */
  readonly epochs: number;
  /** Learning rate of the current step. */
  readonly lr: number;
  /** Queues a structure change; the trainer applies it after the current epoch's validation. */
  proposeMutation(plan: MutationPlan): void;
  /** Yields up to `n` training batches (fresh tensors that the trainer disposes after each yield). */
  trainingBatches(n: number): AsyncIterable<BatchInfo>;
  /** Writes one line to the run's log (stderr or the progress display). */
  log(message: string): void;
}

/**
 * Events a plugin can handle, in the order the trainer emits them:
 *
 * ```
 * setup → onTrainBegin
 *   onEpochBegin
 *     onBatchBegin → onAfterBackward → onBeforeOptimizerStep → onBatchEnd   (per batch)
 *   onEpochEnd → onValidationBegin → onValidationEnd
 *   onBeforeMutate → (plan applied) → onAfterMutate                          (per proposed plan)
 *   onSaveCheckpoint
 * onTrainEnd → teardown
 * ```
 * `onLoadCheckpoint` runs during resume, before `onTrainBegin`. Every handler may be async.
 */
export interface HookHandlers {
  /** Once, before anything else; the model is built and (on resume) its structure rebuilt. */
  setup?(ctx: TrainerContext): void | Promise<void>;
  /** Before the first epoch. */
  onTrainBegin?(ctx: TrainerContext): void | Promise<void>;
  /** At the start of each epoch. */
  onEpochBegin?(ctx: TrainerContext, epoch: number): void | Promise<void>;
  /** Before the forward pass of a batch. */
  onBatchBegin?(ctx: TrainerContext, step: number, batch: BatchInfo): void | Promise<void>;
  /** After the backward pass, before the optimizer update: gradients are available. */
  onAfterBackward?(ctx: TrainerContext, step: number, info: BackwardInfo): void | Promise<void>;
  /** Just before the optimizer applies the update. */
  onBeforeOptimizerStep?(ctx: TrainerContext, step: number): void | Promise<void>;
  /** After the update, with the batch's scalar logs (loss, lr). */
  onBatchEnd?(ctx: TrainerContext, step: number, logs: Logs): void | Promise<void>;
  /** After the last batch of an epoch, with the epoch's training logs. */
  onEpochEnd?(ctx: TrainerContext, epoch: number, logs: Logs): void | Promise<void>;
  /** Before evaluation on the validation set. */
  onValidationBegin?(ctx: TrainerContext): void | Promise<void>;
  /** After evaluation, with its metrics. */
  onValidationEnd?(ctx: TrainerContext, metrics: Logs): void | Promise<void>;
  /** Before a proposed structure change is applied. */
  onBeforeMutate?(ctx: TrainerContext, plan: MutationPlan): void | Promise<void>;
  /** After a structure change: which parameter paths appeared or vanished, and the new counts. */
  onAfterMutate?(ctx: TrainerContext, result: MutationResult): void | Promise<void>;
  /** After a checkpoint was written. */
  onSaveCheckpoint?(ctx: TrainerContext, checkpoint: CheckpointInfo): void | Promise<void>;
  /** After a checkpoint was loaded (plugin states are restored already). */
  onLoadCheckpoint?(ctx: TrainerContext, checkpoint: CheckpointInfo): void | Promise<void>;
  /** After the last epoch. */
  onTrainEnd?(ctx: TrainerContext): void | Promise<void>;
  /** Once, at the very end, also when the run failed: release resources here. */
  teardown?(ctx: TrainerContext): void | Promise<void>;
}

/** Name of a hook event. */
export type HookEvent = keyof HookHandlers;

/** Every hook event in emission order. */
export const HOOK_EVENTS: readonly HookEvent[] = [
  'setup',
  'onTrainBegin',
  'onEpochBegin',
  'onBatchBegin',
  'onAfterBackward',
  'onBeforeOptimizerStep',
  'onBatchEnd',
  'onEpochEnd',
  'onValidationBegin',
  'onValidationEnd',
  'onBeforeMutate',
  'onAfterMutate',
  'onSaveCheckpoint',
  'onLoadCheckpoint',
  'onTrainEnd',
  'teardown',
];

/** A plugin's checkpointable state: `save` returns JSON-serialisable data that `load` accepts. */
export interface PluginState {
  save(): unknown;
  load(state: unknown): void;
}

/**
 * A trainer plugin: a plain object. Handlers of one event run in this order: plugins named in
 * `dependsOn` before their dependents, then ascending `priority` (0..100, default 50), then
 * registration order.
 */
export interface Plugin {
  /** Unique id within a trainer. */
  id: string;
  /** 0 (first) to 100 (last); default 50. See docs/hooks.md for the built-in plugins' priorities. */
  priority?: number;
  /** Ids of plugins whose handlers must run before this one's. */
  dependsOn?: readonly string[];
  hooks: HookHandlers;
  state?: PluginState;
}

/** Default priority of a plugin that sets none. */
export const DEFAULT_PRIORITY = 50;
