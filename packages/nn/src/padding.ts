/**
 * Padding of a 2-D window op: a number (same on every side), `[ph, pw]`, explicit per side
 * `[[top, bottom], [left, right]]`, or tfjs's `'same'` / `'valid'`.
 */
export type Padding2d = number | [number, number] | [[number, number], [number, number]] | 'same' | 'valid';

/** Explicit per-side padding `[[top, bottom], [left, right]]`. */
export type ExplicitPadding2d = [[number, number], [number, number]];

/** Converts numeric padding forms to explicit per-side padding; `'same'`/`'valid'` pass through. */
export function normalizePadding(p: Padding2d): ExplicitPadding2d | 'same' | 'valid' {
  if (p === 'same' || p === 'valid') return p;
  let out: ExplicitPadding2d;
  if (typeof p === 'number')
    out = [
      [p, p],
      [p, p],
    ];
  else if (typeof p[0] === 'number')
    out = [
      [p[0], p[0]],
      [p[1] as number, p[1] as number],
    ];
  else out = p as ExplicitPadding2d;
  for (const v of out.flat()) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`padding must be non-negative integers, got ${JSON.stringify(p)}`);
  }
  return out;
}

/** tfjs `pad` argument for NHWC ops: `'same'`, `'valid'` or `[[0,0],[t,b],[l,r],[0,0]]`. */
export function toTfjsPad(p: ExplicitPadding2d | 'same' | 'valid'): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (p === 'same' || p === 'valid') return p;
  return [[0, 0], p[0], p[1], [0, 0]];
}

/** Output length of a window op along one axis. */
export function outputLength(input: number, kernel: number, stride: number, pad: [number, number] | 'same' | 'valid', dilation = 1): number {
  const eff = (kernel - 1) * dilation + 1;
  if (pad === 'same') return Math.ceil(input / stride);
  if (pad === 'valid') return Math.ceil((input - eff + 1) / stride);
  return Math.floor((input + pad[0] + pad[1] - eff) / stride) + 1;
}
