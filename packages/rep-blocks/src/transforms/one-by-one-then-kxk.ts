import * as tf from '@tensorflow/tfjs-core';
import type { FusedKernel } from './fused-kernel';

/**
 * A 1×1 conv followed by a k×k conv, both with `groups` groups → one k×k conv (spec §3.3).
 *
 * Layouts: `k1` `[1, 1, cin/g, cmid]`, `b1` `[cmid]`, `k2` `[k, k, cmid/g, cout]`, `b2` `[cout]`.
 * Within group j (input channels i, middle channels c and output channels o of that group, indexed
 * inside the group): `K[h, w, i, o] = Σ_c k1[0, 0, i, c] · k2[h, w, c, o]` and
 * `b[o] = b2[o] + Σ_{h,w,c} k2[h, w, c, o] · b1[c]`; the groups' kernels are concatenated along the
 * output axis, giving `[k, k, cin/g, cout]`.
 *
 * The bias term is exact only if the k×k conv's padding is filled with the 1×1 stage's response to
 * a zero input (`b1`), which is what BN-and-pad does. Inputs are borrowed; the result is new.
 */
export function fuseOneByOneThenKxk(k1: tf.Tensor4D, b1: tf.Tensor1D, k2: tf.Tensor4D, b2: tf.Tensor1D, groups = 1): FusedKernel {
  const [h1, w1, cinG, cmid] = k1.shape;
  const [kh, kw, cmidG, cout] = k2.shape;
  if (h1 !== 1 || w1 !== 1) throw new Error(`fuseOneByOneThenKxk: first kernel must be 1×1, got [${k1.shape}]`);
  if (cmid !== cmidG * groups) throw new Error(`fuseOneByOneThenKxk: first kernel has ${cmid} outputs, second expects ${cmidG}×${groups} inputs`);
  if (cout % groups) throw new Error(`fuseOneByOneThenKxk: ${cout} outputs not divisible by ${groups} groups`);
  if (b1.size !== cmid || b2.size !== cout) throw new Error('fuseOneByOneThenKxk: bias sizes do not match the kernels');
  return tf.tidy(() => {
    const coutG = cout / groups;
    const k1s = tf.split(tf.reshape(k1, [cinG, cmid]), groups, 1); // each [cinG, cmidG]
    const k2s = tf.split(k2, groups, 3); // each [kh, kw, cmidG, coutG]
    const b1s = tf.split(b1, groups, 0);
    const kernels: tf.Tensor[] = [];
    const biases: tf.Tensor[] = [];
    for (let j = 0; j < groups; j++) {
      const k2j = tf.reshape(k2s[j], [kh * kw, cmidG, coutG]);
      // [kh·kw, cinG, cmidG] × [kh·kw, cmidG, coutG] → [kh·kw, cinG, coutG]
      const k1j = tf.broadcastTo(tf.reshape(k1s[j], [1, cinG, cmidG]), [kh * kw, cinG, cmidG]);
      kernels.push(tf.reshape(tf.matMul(k1j, k2j), [kh, kw, cinG, coutG]));
      // Σ_{h,w} k2 → [cmidG, coutG]; b1ᵀ · that → [coutG]
      biases.push(tf.reshape(tf.matMul(tf.reshape(b1s[j], [1, cmidG]), tf.sum(k2j, 0)), [coutG]));
    }
    return {
      kernel: (groups === 1 ? kernels[0] : tf.concat(kernels, 3)) as tf.Tensor4D,
      bias: tf.add(groups === 1 ? biases[0] : tf.concat(biases, 0), b2) as tf.Tensor1D,
    };
  });
}
