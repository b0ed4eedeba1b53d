import { BatchNorm2d, Conv2d, traceModules, type Module } from '@dyrep/nn';

/** A conv and the BatchNorm that takes its output directly, by path. */
export interface ConvBnPair {
  conv: string;
  bn: string;
}

/** A module call of a traced forward pass: `@dyrep/nn`'s `traceModules` and the exporter's kernel trace both provide these. */
export interface ModuleCallRecord {
  path: string;
  module: Module;
  /** Id of the call's input tensor. */
  input: number;
  /** Id of its output tensor. */
  output: number;
}

/**
 * The one rule for "the BatchNorm after a conv", on a traced forward pass: a BatchNorm2d called
 * once whose input tensor is the output of a Conv2d called once, with as many features as the
 * conv has output channels. Names and containers do not matter (`conv1` → `bn1`, a Sequential's
 * next child, a detection head), only the dataflow. In call order.
 */
export function convBatchNormPairs(calls: readonly ModuleCallRecord[]): ConvBnPair[] {
  const count = new Map<Module, number>();
  for (const c of calls) count.set(c.module, (count.get(c.module) ?? 0) + 1);
  const convByOutput = new Map<number, ModuleCallRecord>();
  for (const c of calls) if (c.module instanceof Conv2d && count.get(c.module) === 1) convByOutput.set(c.output, c);
  const pairs: ConvBnPair[] = [];
  for (const c of calls) {
    if (!(c.module instanceof BatchNorm2d) || count.get(c.module) !== 1) continue;
    const conv = convByOutput.get(c.input);
    if (conv && (conv.module as Conv2d).outChannels === c.module.numFeatures) pairs.push({ conv: conv.path, bn: c.path });
  }
  return pairs;
}

/**
 * Path of the BatchNorm that directly follows the conv at `convPath` (see
 * {@link convBatchNormPairs}) on an eval forward pass of one example of `inputShape` (`[H, W, C]`),
 * or null when there is none.
 */
export function followingBatchNormPath(model: Module, convPath: string, inputShape: readonly number[]): string | null {
  const shape = inputShape.length === 3 ? [1, ...inputShape] : [...inputShape];
  return convBatchNormPairs(traceModules(model, shape)).find((p) => p.conv === convPath)?.bn ?? null;
}
