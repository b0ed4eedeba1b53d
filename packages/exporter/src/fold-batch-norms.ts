import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Identity, type Module } from '@dyrep/nn';
import { convBatchNormPairs, type ConvBnPair } from '@dyrep/rep-blocks';
import { consumersOf, traceGraph, type KernelGraph } from './trace-graph';

/** A conv → BatchNorm pair folded by {@link foldBatchNorms}: the conv now has a bias holding the folded kernel, the BN is an Identity. */
export type FoldedPair = ConvBnPair;

/**
 * The conv → BN pairs of a traced graph that can be folded: the pairs of rep-blocks'
 * `convBatchNormPairs` (a BN taking a conv's output directly) whose conv output is used by nothing
 * but the BN's own kernels (and is not the model output).
 */
export function findConvBnPairs(graph: KernelGraph): FoldedPair[] {
  const consumers = consumersOf(graph);
  const bnInput = new Map(graph.moduleCalls.map((c) => [c.path, c.input]));
  return convBatchNormPairs(graph.moduleCalls).filter(({ bn }) => {
    const input = bnInput.get(bn)!;
    const inside = (path: string) => path === bn || path.startsWith(`${bn}.`);
    return input !== graph.output && (consumers.get(input) ?? []).every((n) => inside(n.module));
  });
}

/**
 * Folds every conv → BatchNorm pair of `model` (found on the eval-mode dataflow trace of an input
 * of `inputShape`, NHWC with batch) into the conv, in place: W' = W·γ/σ per output channel,
 * b' = β + (b − μ)·γ/σ; the conv becomes a new Conv2d with bias (same geometry) and the BN an
 * Identity. Replaced modules are disposed. Returns the folded pairs.
 */
export function foldBatchNorms(model: Module, inputShape: number[]): FoldedPair[] {
  const pairs = findConvBnPairs(traceGraph(model, inputShape));
  for (const { conv: convPath, bn: bnPath } of pairs) {
    const conv = model.getModule(convPath) as Conv2d;
    const bn = model.getModule(bnPath) as BatchNorm2d;
    const { weight, bias } = tf.tidy(() => {
      const { scale, shift } = bn.evalAffine();
      return {
        weight: tf.mul(conv.weight, scale) as tf.Tensor4D,
        bias: (conv.bias ? tf.add(tf.mul(conv.bias, scale), shift) : shift) as tf.Tensor1D,
      };
    });
    const folded = conv.withParameters(weight, bias);
    model.setModule(convPath, folded).dispose();
    model.setModule(bnPath, new Identity()).dispose();
  }
  return pairs;
}
