import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, withMode, type Module } from '@dyrep/nn';

/** Options of {@link recalibrateBn}. */
export interface RecalibrateBnOptions {
  /**
   * Runs one batch through the network (its output is disposed). Default: `target.forward(batch)`
   * for a single target, `root.forward(batch)` when `root` is given.
   */
  forward?: (batch: tf.Tensor) => unknown;
  /** The network the targets live in: put in eval mode during recalibration so only the targets' BNs update. */
  root?: Module;
}

/**
 * Re-estimates the running statistics of every BatchNorm in `targets` (a block, a branch, or a
 * list of them) from caller-supplied batches: the statistics are reset, then each batch is run in
 * training mode with momentum 1/t for the t-th batch, i.e. the cumulative average over the batches
 * (PyTorch's `momentum=None`). Parameters are not touched; training modes and BN momenta are
 * restored afterwards, also on error. Returns the number of batches used.
 */
export function recalibrateBn(targets: Module | readonly Module[], batches: Iterable<tf.Tensor>, options: RecalibrateBnOptions = {}): number {
  const list = Array.isArray(targets) ? (targets as readonly Module[]) : [targets as Module];
  if (list.length === 0) return 0;
  const forward = options.forward ?? (options.root ? (x: tf.Tensor) => options.root!.forward(x) : list.length === 1 ? (x: tf.Tensor) => list[0].forward(x) : null);
  if (!forward) throw new Error('recalibrateBn: pass `forward` or `root` when recalibrating several modules');
  const scope = [...(options.root ? [options.root] : []), ...list];
  const bns = [
    ...new Set(
      list.flatMap((t) =>
        t
          .namedModules()
          .map(([, m]) => m)
          .filter((m): m is BatchNorm2d => m instanceof BatchNorm2d),
      ),
    ),
  ];
  const momenta = bns.map((bn) => bn.momentum);
  const setMomentum = (bn: BatchNorm2d, m: number) => Object.assign(bn as { momentum: number }, { momentum: m });
  let t = 0;
  try {
    withMode(scope, 'eval', () => {
      for (const target of list) target.train(true);
      for (const bn of bns) bn.resetRunningStats();
      for (const batch of batches) {
        t++;
        for (const bn of bns) setMomentum(bn, 1 / t);
        tf.tidy(() => {
          forward(batch);
        });
      }
    });
  } finally {
    bns.forEach((bn, i) => setMomentum(bn, momenta[i]));
  }
  return t;
}
