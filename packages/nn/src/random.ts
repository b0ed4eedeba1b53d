/** The full state of an {@link Rng}: four unsigned 32-bit words, safe to JSON-serialise. */
export type RngState = [number, number, number, number];

/** The minimal random source that data transforms draw from (an {@link Rng}, or a stub in tests). */
export interface RandomSource {
  /** Uniform float in [0, 1). */
  nextFloat(): number;
  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32. */
  nextInt(n: number): number;
}

/** Expands a 32-bit seed into a well-mixed word stream (splitmix32-style finaliser). */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/**
 * The one seeded PRNG of dyrep-ts (xoshiro128**, period 2^128 − 1): parameter initialisation,
 * dropout seeds, saliency's random metric, shuffling, augmentation and synthetic data all draw
 * from it. Deterministic across platforms and backends; `getState`/`setState` let a trainer
 * checkpoint and resume the exact stream.
 */
export class Rng implements RandomSource {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Seeds from any integer (only the low 32 bits are used; two seeds give two distinct streams). */
  constructor(seed = 0) {
    const next = splitmix32(seed);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw unsigned 32-bit word. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). */
  nextInt(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && Number.isInteger(n))) {
      throw new RangeError(`Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** Standard normal sample (Box–Muller; consumes two words). */
  nextGaussian(): number {
    const u = 1 - this.nextFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A new Float32Array of `n` samples of N(mean, std²) (Box–Muller, both outputs of each pair used). */
  normalArray(n: number, std = 1, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
      const theta = 2 * Math.PI * this.nextFloat();
      out[i] = mean + std * r * Math.cos(theta);
      if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(theta);
    }
    return out;
  }

  /** A new Float32Array of `n` samples of U(low, high). */
  uniformArray(n: number, low: number, high: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * this.nextFloat();
    return out;
  }

  /** A copy of the current state. */
  getState(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Restores a state returned by {@link Rng.getState}. */
  setState(state: RngState): void {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError(`Rng.setState: expected four uint32 words, got ${JSON.stringify(state)}`);
    }
    if ((state[0] | state[1] | state[2] | state[3]) === 0) throw new RangeError('Rng.setState: the all-zero state is invalid');
    [this.s0, this.s1, this.s2, this.s3] = state;
  }

  /** A new generator with the same state (the two then evolve independently). */
  clone(): Rng {
    const r = new Rng(0);
    r.setState(this.getState());
    return r;
  }

  /** Fisher–Yates shuffle of `array` in place; returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}

const fmix32 = (x: number): number => {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** Mixes two 32-bit integers into one seed (for deriving per-epoch / per-batch streams). */
export function mixSeeds(a: number, b: number): number {
  return fmix32((fmix32((a ^ 0x9e3779b9) >>> 0) + (b >>> 0) + 0x7f4a7c15) >>> 0);
}

let global = new Rng(0);

/** The process-wide random source used for parameter initialisation and dropout seeds. */
export function globalRng(): Rng {
  return global;
}

/** Re-seeds the process-wide random source (like `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  global = new Rng(seed);
}
