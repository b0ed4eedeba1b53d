import type { Module } from '@dyrep/nn';

/**
 * NHWC input shape (batch `batch`) to trace `model` with: `explicit` if given; otherwise, for
 * image models that expose `inChannels` (and `options.inputSize` or `minInputSize`), a square
 * input of `options.inputSize`, else max(32, minInputSize). Null when it cannot be inferred.
 */
export function inferInputShape(model: Module, explicit: number[] | undefined, batch: number): number[] | null {
  if (explicit) {
    if (explicit.length !== 4 || explicit.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`input shape must be [N, H, W, C] with positive integers, got [${explicit}]`);
    }
    return [...explicit];
  }
  const m = model as Module & { inChannels?: unknown; minInputSize?: unknown; options?: { inputSize?: unknown } };
  if (typeof m.inChannels !== 'number') return null;
  const given = m.options?.inputSize;
  const min = typeof m.minInputSize === 'number' ? m.minInputSize : 1;
  const side = typeof given === 'number' ? given : Math.max(32, min);
  return [batch, side, side, m.inChannels];
}
