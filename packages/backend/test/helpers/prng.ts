/** A small seeded PRNG (mulberry32) so that randomised tests reproduce from their seed. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `n` values uniform in [-1, 1). */
  values(n: number): number[] {
    return Array.from({ length: n }, () => this.next() * 2 - 1);
  }
}

/** The seed for randomised tests: `DYREP_SEED` from the environment, else `fallback`. */
export function testSeed(fallback: number): number {
  const env = process.env.DYREP_SEED;
  return env != null && env !== '' ? Number(env) : fallback;
}
