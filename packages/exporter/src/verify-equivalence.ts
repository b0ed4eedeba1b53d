import * as tf from '@tensorflow/tfjs-core';
import { Module, withMode } from '@dyrep/nn';

/** A model to compare: a module (run in eval mode) or any function from an input batch to outputs. */
export type Predictor = Module | ((x: tf.Tensor) => tf.Tensor);

/** How closely two models' outputs agree. */
export interface EquivalenceReport {
  /** max |candidate − reference| over every output element. */
  maxAbsDiff: number;
  /** {@link maxAbsDiff} divided by max |reference| (0 when both are 0). */
  maxRelDiff: number;
  /** Fraction of samples whose arg-max over the last axis agrees (1 when every one does). */
  top1Agreement: number;
  /** Samples compared (sum of batch sizes). */
  samples: number;
}

interface Accumulator {
  maxAbs: number;
  maxRef: number;
  agree: number;
  samples: number;
}

function accumulate(acc: Accumulator, reference: tf.Tensor, candidate: tf.Tensor): void {
  if (reference.shape.length !== candidate.shape.length || reference.shape.some((d, i) => d !== candidate.shape[i])) {
    throw new Error(`verifyEquivalence: output shapes differ: reference [${reference.shape}], candidate [${candidate.shape}]`);
  }
  tf.tidy(() => {
    const ref = tf.cast(reference, 'float32');
    const cand = tf.cast(candidate, 'float32');
    acc.maxAbs = Math.max(acc.maxAbs, tf.max(tf.abs(tf.sub(ref, cand))).dataSync()[0]);
    acc.maxRef = Math.max(acc.maxRef, tf.max(tf.abs(ref)).dataSync()[0]);
    const n = ref.rank === 0 ? 1 : ref.shape[0];
    if (ref.rank >= 2) {
      const a = tf.reshape(tf.argMax(ref, -1), [n, -1]);
      const b = tf.reshape(tf.argMax(cand, -1), [n, -1]);
      acc.agree += tf.sum(tf.cast(tf.all(tf.equal(a, b), 1), 'int32')).dataSync()[0];
    } else {
      acc.agree += n;
    }
    acc.samples += n;
  });
}

function report(acc: Accumulator): EquivalenceReport {
  return {
    maxAbsDiff: acc.maxAbs,
    maxRelDiff: acc.maxAbs === 0 ? 0 : acc.maxAbs / acc.maxRef,
    top1Agreement: acc.samples === 0 ? 1 : acc.agree / acc.samples,
    samples: acc.samples,
  };
}

/** Compares two output tensors (borrowed): max |Δ|, relative max |Δ| and top-1 agreement over the batch axis. */
export function compareOutputs(reference: tf.Tensor, candidate: tf.Tensor): EquivalenceReport {
  const acc: Accumulator = { maxAbs: 0, maxRef: 0, agree: 0, samples: 0 };
  accumulate(acc, reference, candidate);
  return report(acc);
}

function run(p: Predictor, x: tf.Tensor): tf.Tensor {
  return p instanceof Module ? p.forward(x) : p(x);
}

/**
 * Runs `reference` (the trained model) and `candidate` (e.g. the deployed one) on every batch
 * (borrowed NHWC tensors) and reports max |Δ|, relative max |Δ| (over the largest |reference|
 * output) and top-1 agreement. Modules run in eval mode; their modes are restored afterwards.
 */
export function verifyEquivalence(reference: Predictor, candidate: Predictor, batches: tf.Tensor | Iterable<tf.Tensor>): EquivalenceReport {
  const list = batches instanceof tf.Tensor ? [batches] : [...batches];
  const modules = [reference, candidate].filter((p): p is Module => p instanceof Module);
  const acc: Accumulator = { maxAbs: 0, maxRef: 0, agree: 0, samples: 0 };
  withMode(modules, 'eval', () => {
    for (const x of list) {
      tf.tidy(() => accumulate(acc, run(reference, x), run(candidate, x)));
    }
  });
  return report(acc);
}
