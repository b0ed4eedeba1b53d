/** A value axis: its domain and the tick values to label, all inside the domain. */
export interface AxisScale {
  min: number;
  max: number;
  ticks: number[];
}

/** Options of {@link niceScale}. */
export interface NiceScaleOptions {
  /** About this many ticks (default 5). */
  count?: number;
  /** Values are whole numbers (parameter counts, epochs): tick steps are at least 1. */
  integer?: boolean;
}

/** The smallest of 1, 2, 5 × 10^k that is ≥ `step` (at least 1 for integer axes). */
function niceStep(step: number, integer: boolean): number {
  const mag = 10 ** Math.floor(Math.log10(step));
  const nice = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step * (1 - 1e-12)) ?? 10 * mag;
  return integer ? Math.max(1, Math.round(nice)) : nice;
}

/**
 * A readable axis for `values`: the domain is widened to whole tick steps around the data, never
 * below zero when no value is negative (and never above zero when none is positive), and every
 * tick is distinct. A flat series (one value, or all equal) gets a small range around its value
 * instead of a zero-width one: ±5% of it (±1 for integer axes when that is smaller than 1, ±0.5 for
 * a zero value), so it is drawn mid-height with distinct ticks. Non-finite values are ignored; an
 * empty input gives [0, 1].
 */
export function niceScale(values: readonly number[], options: NiceScaleOptions = {}): AxisScale {
  const count = options.count ?? 5;
  const integer = options.integer ?? false;
  const finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  const nonNegative = lo >= 0;
  const nonPositive = hi <= 0 && lo < 0;
  if (hi - lo <= Math.abs(hi) * 1e-12) {
    const half = lo === 0 ? 0.5 : Math.max(Math.abs(lo) * 0.05, integer ? 1 : 0);
    lo -= half;
    hi += half;
  }
  if (nonNegative) lo = Math.max(0, lo);
  if (nonPositive) hi = Math.min(0, hi);
  const step = niceStep((hi - lo) / count, integer);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(+(min + i * step).toPrecision(12));
  return { min: ticks[0], max: ticks[ticks.length - 1], ticks };
}
