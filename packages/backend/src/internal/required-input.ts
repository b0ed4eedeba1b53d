import type { TensorInfo } from '@tensorflow/tfjs-core';

/** Returns kernel input `name`, or throws a clear error naming the kernel when it is absent. */
export function requiredInput(op: string, inputs: { [name: string]: TensorInfo | undefined }, name: string): TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`${op}: input '${name}' is missing`);
  return t;
}
