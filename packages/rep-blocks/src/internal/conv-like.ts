import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, type Module } from '@dyrep/nn';
import type { FusedKernel } from '../transforms/fused-kernel';

/** A module that can report its eval-mode function as one conv (a rep-block). */
interface FusableConv extends Module {
  fuse(): FusedKernel;
  absorb(delta: FusedKernel): void;
}

/** True for modules with `fuse()` and `absorb()` (rep-blocks), checked structurally to avoid an import cycle. */
function isFusable(m: Module): m is FusableConv {
  const f = m as unknown as Partial<FusableConv>;
  return typeof f.fuse === 'function' && typeof f.absorb === 'function';
}

/** The kernel and bias (zeros when absent) of a Conv2d or a nested rep-block, as new tensors. */
export function convKernel(m: Module): FusedKernel {
  if (m instanceof Conv2d) {
    return tf.tidy(() => ({
      kernel: tf.clone(m.weight) as tf.Tensor4D,
      bias: (m.bias ? tf.clone(m.bias) : tf.zeros([m.outChannels])) as tf.Tensor1D,
    }));
  }
  if (isFusable(m)) return m.fuse();
  throw new Error(`expected a Conv2d or a rep-block, got ${m.constructor.name}`);
}

/**
 * Adds `delta` (a conv with the module's geometry) to a Conv2d's weight and bias in place, or
 * forwards it to a nested rep-block. Variables keep their identity.
 */
export function absorbInto(m: Module, delta: FusedKernel): void {
  if (m instanceof Conv2d) {
    if (!m.bias) throw new Error('cannot fold into a Conv2d without bias: the kxk conv of a rep-block must have a bias');
    tf.tidy(() => {
      m.weight.assign(tf.add(m.weight, delta.kernel));
      m.bias!.assign(tf.add(m.bias!, delta.bias));
    });
    return;
  }
  if (isFusable(m)) {
    m.absorb(delta);
    return;
  }
  throw new Error(`expected a Conv2d or a rep-block, got ${m.constructor.name}`);
}
