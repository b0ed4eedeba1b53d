/**
 * A small seedable pseudo-random source (mulberry32) with a normal sampler (Box–Muller).
 * Its whole state is one 32-bit integer, so trainers can checkpoint and restore it exactly.
 */
export class Rng {
  private s: number;
  private spare: number | null = null;

  /** Creates a source from a 32-bit integer seed. */
  constructor(seed = 0) {
    this.s = seed >>> 0;
  }

  /** Uniform number in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal sample. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills a new Float32Array with N(mean, std²) samples. */
  normalArray(n: number, std = 1, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fills a new Float32Array with U(low, high) samples. */
  uniformArray(n: number, low: number, high: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * this.next();
    return out;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** Serialisable state. */
  getState(): { s: number; spare: number | null } {
    return { s: this.s, spare: this.spare };
  }

  /** Restores a state from {@link getState}. */
  setState(state: { s: number; spare: number | null }): void {
    this.s = state.s >>> 0;
    this.spare = state.spare;
  }
}

let global = new Rng(0);

/** The process-wide random source used for parameter initialisation. */
export function globalRng(): Rng {
  return global;
}

/** Re-seeds the process-wide random source (like `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  global = new Rng(seed);
}
