import * as tf from '@tensorflow/tfjs-core';
import type { BatchInfo, GrowOp, MutationPlan, MutationResult } from '@dyrep/core';
import { Conv2d, Identity, countFlops, countParams, withMode, type Module } from '@dyrep/nn';
import { followingBatchNormPath } from './following-batch-norm';
import { growAt } from './grow';
import { isRepBlock, type RepBlock } from './rep-block';
import { normalizeMutationPlan } from './normalize-mutation-plan';

/** Options of {@link applyMutationPlan}. */
export interface ApplyMutationOptions {
  /** Shape of one input example `[H, W, C]`, for the FLOPs count after the change. */
  inputShape: number[];
  /** Training batches for BN recalibration of grown blocks (`input` is the model input). */
  recalibrationBatches?: () => AsyncIterable<BatchInfo>;
}

/**
 * Applies a mutation plan to `model` in place, function-preservingly in eval mode, after
 * {@link normalizeMutationPlan} has validated it (nothing changes when it is invalid) and dropped
 * the ops the plan itself makes moot; the result's `plan` is the plan applied. Grows first
 * (each conv becomes a rep-block via `growAt`, optionally recalibrating the new BNs on the conv's
 * real inputs before `kxk` takes the difference), then cuts (branches folded into `kxk`; a block
 * left with `kxk` alone becomes a plain conv with bias). Replaced variables are disposed. Returns
 * which parameter/buffer paths appeared and vanished, with the parameter and FLOP counts after.
 */
export async function applyMutationPlan(model: Module, proposed: MutationPlan, options: ApplyMutationOptions): Promise<MutationResult> {
  const { plan } = normalizeMutationPlan(model, proposed);
  const before = variableIds(model);
  for (const op of plan.ops) if (op.type === 'grow') await grow(model, op, plan.recalibrateBnBatches ?? 0, options);
  for (const op of plan.ops) {
    if (op.type !== 'cut') continue;
    const block = model.getModule(op.path);
    if (!isRepBlock(block)) throw new Error(`cannot cut '${op.path}': it is a ${block.constructor.name}, not a rep-block`);
    block.cut(op.branches, { mode: op.mode });
    if (block.branchKinds.length === 1) model.setModule(op.path, block.toConv()).dispose();
  }
  const after = variableIds(model);
  return {
    plan,
    added: [...after].filter(([p, id]) => before.get(p) !== id).map(([p]) => p),
    removed: [...before].filter(([p, id]) => after.get(p) !== id).map(([p]) => p),
    params: countParams(model),
    flops: countFlops(model, options.inputShape),
  };
}

async function grow(model: Module, op: GrowOp, recalBatches: number, options: ApplyMutationOptions): Promise<RepBlock> {
  const target = model.getModule(op.path);
  if (!(target instanceof Conv2d)) throw new Error(`cannot grow '${op.path}': it is a ${target.constructor.name}, not a Conv2d`);
  const bnPath = op.dropFollowingBn ? followingBatchNormPath(model, op.path, options.inputShape) : null;
  const inputs = recalBatches > 0 && options.recalibrationBatches ? await captureInputs(model, target, options.recalibrationBatches()) : [];
  try {
    const block = growAt(model, op.path, { branches: op.branches, gate: op.gate, init: op.init, calibrationInputs: inputs.length ? inputs : undefined });
    if (bnPath) model.setModule(bnPath, new Identity()).dispose();
    return block;
  } finally {
    tf.dispose(inputs);
  }
}

/** Runs the model in eval mode on each batch's input and keeps a copy of what `conv` receives (a forward pre-hook). */
async function captureInputs(model: Module, conv: Conv2d, batches: AsyncIterable<BatchInfo>): Promise<tf.Tensor[]> {
  const captured: tf.Tensor[] = [];
  const remove = conv.registerForwardPreHook((_, x) => {
    captured.push(tf.keep(tf.clone(x)));
  });
  try {
    await withMode(model, 'eval', async () => {
      for await (const batch of batches) {
        tf.tidy(() => {
          model.forward(batch.input);
        });
      }
    });
  } catch (e) {
    tf.dispose(captured);
    throw e;
  } finally {
    remove();
  }
  return captured;
}

function variableIds(model: Module): Map<string, number> {
  return new Map([...model.namedParameters(), ...model.namedBuffers()].map(([p, v]) => [p, v.id]));
}
