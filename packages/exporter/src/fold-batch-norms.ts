import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Identity, type Module } from '@dyrep/nn';
import { consumersOf, traceGraph, type KernelGraph, type ModuleCall } from './trace-graph';

/** A conv → BatchNorm pair folded by {@link foldBatchNorms}. */
export interface FoldedPair {
  /** Path of the conv (now a conv with bias holding the folded kernel). */
  conv: string;
  /** Path of the BatchNorm (now an Identity). */
  bn: string;
}

/**
 * The conv → BN pairs of a traced graph that can be folded: a BatchNorm2d called once whose
 * input is the output of a Conv2d called once, and that output is used by nothing but the BN's
 * own kernels (and is not the model output).
 */
export function findConvBnPairs(graph: KernelGraph): FoldedPair[] {
  const calls = new Map<Module, number>();
  for (const c of graph.moduleCalls) calls.set(c.module, (calls.get(c.module) ?? 0) + 1);
  const convByOutput = new Map<number, ModuleCall>();
  for (const c of graph.moduleCalls) if (c.module instanceof Conv2d && calls.get(c.module) === 1) convByOutput.set(c.output, c);
  const consumers = consumersOf(graph);
  const pairs: FoldedPair[] = [];
  for (const c of graph.moduleCalls) {
    if (!(c.module instanceof BatchNorm2d) || calls.get(c.module) !== 1 || c.input === graph.output) continue;
    const conv = convByOutput.get(c.input);
    if (!conv || (conv.module as Conv2d).outChannels !== c.module.numFeatures) continue;
    const inside = (path: string) => path === c.path || path.startsWith(`${c.path}.`);
    if ((consumers.get(c.input) ?? []).every((n) => inside(n.module))) pairs.push({ conv: conv.path, bn: c.path });
  }
  return pairs;
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
