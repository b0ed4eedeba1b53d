import type * as tf from '@tensorflow/tfjs-core';
import type { BatchInfo, MutationPlan, TrainerContext } from '@dyrep/core';
import type { Module } from '@dyrep/nn';

/** Options of {@link fakeTrainerContext}. */
export interface FakeTrainerContextOptions {
  /** The model hooks see as `ctx.model`. */
  model: Module;
  /** Number of epochs of the pretend run (default 1). */
  epochs?: number;
  /** Learning rate `ctx.lr` reports (default 0.1). */
  lr?: number;
  /** Model inputs `ctx.trainingBatches(n)` yields (borrowed, yielded in order, at most `n`). */
  batches?: readonly tf.Tensor[];
}

/** A {@link TrainerContext} whose run position is set by the test, and what plugins did to it. */
export interface FakeTrainerContext extends TrainerContext {
  /** Current epoch (0-based); set it to move the pretend run. */
  epoch: number;
  /** Global step; set it to move the pretend run. */
  step: number;
  /** The model; replace it to simulate a resume. */
  model: Module;
  /** Every plan passed to `proposeMutation`, in order. */
  readonly proposed: MutationPlan[];
  /** Every line passed to `log`. */
  readonly logs: string[];
}

/**
 * A complete trainer context for unit-testing a plugin's hooks without a trainer: it records
 * proposed mutation plans and log lines, and `trainingBatches(n)` yields the given inputs. Apply a
 * recorded plan with `applyMutationPlan` of `@dyrep/rep-blocks` when the test needs its effect.
 */
export function fakeTrainerContext(options: FakeTrainerContextOptions): FakeTrainerContext {
  const batches = options.batches ?? [];
  const proposed: MutationPlan[] = [];
  const logs: string[] = [];
  return {
    model: options.model,
    epoch: 0,
    step: 0,
    epochs: options.epochs ?? 1,
    lr: options.lr ?? 0.1,
    proposed,
    logs,
    proposeMutation(plan) {
      proposed.push(plan);
    },
    async *trainingBatches(n): AsyncIterable<BatchInfo> {
      for (const input of batches.slice(0, Math.max(0, n))) yield { size: input.shape[0] ?? 1, input };
    },
    log(message) {
      logs.push(message);
    },
  };
}
