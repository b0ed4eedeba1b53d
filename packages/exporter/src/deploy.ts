import * as tf from '@tensorflow/tfjs-core';
import { Rng, type Module } from '@dyrep/nn';
import { fuseModel, outermostRepBlocks } from '@dyrep/rep-blocks';
import { EquivalenceError } from './errors';
import { foldBatchNorms, type FoldedPair } from './fold-batch-norms';
import { inferInputShape } from './internal/input-shape';
import { verifyEquivalence, type EquivalenceReport } from './verify-equivalence';

/** Options of {@link deploy}. */
export interface DeployOptions {
  /** Fold every conv → BatchNorm pair into the conv (default true). */
  foldBatchNorm?: boolean;
  /** NHWC input shape with batch for the trace and the check; inferred for image models. */
  inputShape?: number[];
  /** Compare the deployed model with `model` on a sample batch and refuse beyond `tolerance` (default true). */
  verify?: boolean;
  /** The batch to check on (borrowed); default a seeded N(0, 1) batch of `inputShape`. */
  sample?: tf.Tensor;
  /** Largest accepted relative max |Δ| of the outputs (default 1e-4). */
  tolerance?: number;
}

/** What {@link deployWithReport} did. */
export interface DeployResult<M extends Module> {
  /** The deployed model (eval mode); the caller owns it. */
  model: M;
  /** Paths of the outermost rep-blocks that became one conv with bias each. */
  fusedBlocks: string[];
  /** Conv → BN pairs folded into the conv. */
  foldedBatchNorms: FoldedPair[];
  /** The check on the sample batch, or null when `verify` is false. */
  equivalence: EquivalenceReport | null;
}

/**
 * Deploys a trained model to its plain network: a NEW model (the original is untouched) in which
 * every rep-block is one conv with bias (rep-blocks' `fuseModel`, on a `clone()`) and, by default, every conv → BN pair
 * is folded into the conv. Then, by default, checks the deployed model against `model` (eval
 * mode) on a sample batch and throws an {@link EquivalenceError} beyond the tolerance.
 */
export function deployWithReport<M extends Module>(model: M, options: DeployOptions = {}): DeployResult<M> {
  const fold = options.foldBatchNorm ?? true;
  const verify = options.verify ?? true;
  const tolerance = options.tolerance ?? 1e-4;
  const blocks = outermostRepBlocks(model);
  if (blocks.some((b) => b.path === '')) throw new Error('deploy: the root module is a rep-block; use block.toConv()');
  const shape = inferInputShape(model, options.inputShape ?? options.sample?.shape, 2);
  if (!shape && (fold || verify)) {
    throw new Error('deploy: cannot infer the input shape of this model; pass inputShape ([N, H, W, C]) or a sample batch');
  }
  const deployed = fuseModel(model);
  try {
    deployed.eval();
    const foldedBatchNorms = fold ? foldBatchNorms(deployed, shape!) : [];
    let equivalence: EquivalenceReport | null = null;
    if (verify) {
      const sample = options.sample ?? sampleBatch(shape!);
      try {
        equivalence = verifyEquivalence(model, deployed, [sample]);
      } finally {
        if (sample !== options.sample) sample.dispose();
      }
      if (!(equivalence.maxRelDiff <= tolerance)) throw new EquivalenceError(equivalence, tolerance);
    }
    return { model: deployed, fusedBlocks: blocks.map((b) => b.path), foldedBatchNorms, equivalence };
  } catch (e) {
    deployed.dispose();
    throw e;
  }
}

/** {@link deployWithReport} returning the deployed model only. */
export function deploy<M extends Module>(model: M, options: DeployOptions = {}): M {
  return deployWithReport(model, options).model;
}

function sampleBatch(shape: number[]): tf.Tensor {
  const rng = new Rng(20220601);
  return tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape);
}
