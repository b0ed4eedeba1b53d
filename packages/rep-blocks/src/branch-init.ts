import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, kaimingNormalFanOut, type Rng } from '@dyrep/nn';
import type { Branch } from './branch-modules';

/** γ of the last BN of a newly grown (or re-initialised) branch (spec §5). */
export const DEFAULT_GATE = 0.01;

/** γ = 1, β = 0, running mean 0, running variance 1, in place (same variables). */
export function resetBatchNorm(bn: BatchNorm2d): void {
  tf.tidy(() => {
    bn.weight.assign(tf.onesLike(bn.weight));
    bn.bias.assign(tf.zerosLike(bn.bias));
  });
  bn.resetRunningStats();
}

/** Zero weight and bias of a conv, in place. */
export function zeroConv(conv: Conv2d): void {
  tf.tidy(() => {
    conv.weight.assign(tf.zerosLike(conv.weight));
    if (conv.bias) conv.bias.assign(tf.zerosLike(conv.bias));
  });
}

/**
 * Re-initialises a branch in place as a grow initialises a new one (spec §5; the authors'
 * `_init_branch`): every conv in it He-normal N(0, 2/(kh·kw·cout)) with zero bias, every BN
 * γ = 1, β = 0 with fresh statistics, then the branch's last BN γ = `gate`. Variables keep their
 * identity (as in the authors' code, optimizer state keyed by path survives). A block nested in
 * the branch keeps its structure and is re-initialised the same way throughout.
 */
export function reinitialiseBranch(branch: Branch, gate = DEFAULT_GATE, rng?: Rng): void {
  for (const [, m] of branch.namedModules()) {
    if (m instanceof Conv2d) {
      const fresh = kaimingNormalFanOut(m.weight.shape as [number, number, number, number], rng);
      m.weight.assign(fresh);
      fresh.dispose();
      if (m.bias) tf.tidy(() => m.bias!.assign(tf.zerosLike(m.bias!)));
    } else if (m instanceof BatchNorm2d) {
      resetBatchNorm(m);
    }
  }
  const last = branch.lastBn;
  tf.tidy(() => last.weight.assign(tf.fill([last.numFeatures], gate)));
}
