/**
 * Index arithmetic for convolution gradients, one spatial axis at a time.
 *
 * Forward convolution along one axis (stride s, dilation d, padding p before the input):
 *   y[o] = sum_k x[o*s - p + k*d] * w[k],   o in [0, outSize), k in [0, kernel)
 * Taps that fall outside [0, inSize) read zero. Every plan below is derived from this formula
 * only, so it holds for every padding mode and rounding mode the forward op accepts.
 */

/** One spatial axis of a forward convolution. */
export interface AxisConv {
  inSize: number;
  outSize: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** Padding before the input (top or left), as tfjs' `padInfo` reports it. */
  padBefore: number;
}

/** A crop of a tensor axis followed by explicit zero padding: feeds a stride-1-or-more forward conv. */
export interface CropPad {
  /** First index kept. */
  begin: number;
  /** Number of indices kept (may be the full axis). */
  size: number;
  padBefore: number;
  padAfter: number;
}

/**
 * One output phase of the input gradient: the input positions `i = stride*u + residue`
 * (u in [0, count)) receive a stride-1 forward conv of dy with a sub-filter.
 */
export interface InputGradPhase {
  residue: number;
  /** Null when no filter tap or no dy element reaches this phase: its values are zero. */
  conv: null | {
    /** Sub-filter taps, taken from the spatially flipped filter: `begin + t*step`, t in [0, taps). */
    filterBegin: number;
    filterStep: number;
    taps: number;
    /** Dilation of the sub-conv. */
    dilation: number;
    /** Which part of dy to feed, and its zero padding. */
    crop: CropPad;
  };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Intersects the wanted index range [lo, hi] with [0, size) and expresses it as crop + padding. */
function cropPad(lo: number, hi: number, size: number): CropPad | null {
  const begin = Math.max(lo, 0);
  const end = Math.min(hi, size - 1);
  if (begin > end) return null;
  return { begin, size: end - begin + 1, padBefore: begin - lo, padAfter: hi - end };
}

/**
 * Plans dx along one axis as `stride` phases (polyphase decomposition). Each phase produces
 * `ceil(inSize/stride)` positions; the caller interleaves phases and drops positions >= inSize.
 * With stride 1 this is the classic "forward conv of dy with the flipped filter".
 */
export function planInputGrad(a: AxisConv): { count: number; phases: InputGradPhase[] } {
  const { stride: s, dilation: d, kernel: K, padBefore: p, outSize } = a;
  const count = Math.ceil(a.inSize / s);
  const g = gcd(d, s);
  const phases: InputGradPhase[] = [];
  for (let r = 0; r < s; r++) {
    // Input position i = s*u + r receives taps k with (i + p - k*d) divisible by s.
    const rho = (r + p) % s;
    const m0 = (r + p - rho) / s;
    let k0 = -1;
    for (let k = 0; k < K; k++) {
      if ((k * d) % s === rho) {
        k0 = k;
        break;
      }
    }
    if (k0 < 0 || count === 0) {
      phases.push({ residue: r, conv: null });
      continue;
    }
    const step = s / g;
    const taps = Math.floor((K - 1 - k0) / step) + 1;
    const j0 = (k0 * d - rho) / s;
    const dil = d / g;
    // dx[u] = sum_t dy[m0 + u - j0 - t*dil] * w[k0 + t*step]; flipped: a forward conv with
    // padding P = j0 + (taps-1)*dil - m0 over dy, reading dy[-P .. count-1-P+(taps-1)*dil].
    const P = j0 + (taps - 1) * dil - m0;
    const crop = cropPad(-P, count - 1 - P + (taps - 1) * dil, outSize);
    if (crop === null) {
      phases.push({ residue: r, conv: null });
      continue;
    }
    phases.push({
      residue: r,
      conv: { filterBegin: K - 1 - k0 - (taps - 1) * step, filterStep: step, taps, dilation: dil, crop },
    });
  }
  return { count, phases };
}

/**
 * Plans dw along one axis as a forward conv over x in which the roles swap: dy is the filter,
 * the original dilation is the stride and the original stride is the dilation. The conv yields
 * exactly `kernel` positions. Null when no tap ever reads the input (dw is zero).
 */
export function planFilterGrad(a: AxisConv): CropPad | null {
  const { stride: s, dilation: d, kernel: K, padBefore: p, outSize, inSize } = a;
  // dw[k] = sum_o x[o*s - p + k*d] * dy[o]: reads x[-p .. (K-1)*d - p + (outSize-1)*s].
  return cropPad(-p, (K - 1) * d - p + (outSize - 1) * s, inSize);
}
