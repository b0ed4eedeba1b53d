import { DataError } from './data-error';
import { createInMemoryDataset, type Dataset, type ImageShape } from './dataset';
import { mixSeeds, Rng } from '@dyrep/nn';

/** Options of {@link createSyntheticDataset}. */
export interface SyntheticOptions {
  /** Number of examples. Default 512. */
  size?: number;
  /** Number of classes. Default 10. */
  numClasses?: number;
  /** `[H, W, C]`. Default `[16, 16, 3]`. */
  imageShape?: ImageShape;
  /** Seed of everything random (class patterns, noise, label order). Default 0. */
  seed?: number;
  /** Standard deviation of the per-pixel Gaussian noise, in [0, 1] pixel units. Default 0.15. */
  noise?: number;
  /** `train` or `test`: the same class patterns, independent examples. Default `train`. */
  split?: 'train' | 'test';
  /** Dataset name. Default `synthetic`. */
  name?: string;
}

/**
 * A seeded, learnable toy dataset for tests: each class k has a fixed smooth pattern (a sinusoidal
 * grating whose frequency, orientation, phase and per-channel tint are drawn from the seed), and each
 * example is its class pattern plus a random brightness shift and Gaussian pixel noise, clamped to
 * [0, 1] and stored as float32. Labels are balanced (`i mod numClasses`) in a seeded random order.
 * The same options always produce the same bytes.
 */
export function createSyntheticDataset(options: SyntheticOptions = {}): Dataset {
  const size = options.size ?? 512;
  const numClasses = options.numClasses ?? 10;
  const [h, w, c] = options.imageShape ?? [16, 16, 3];
  const noise = options.noise ?? 0.15;
  const name = options.name ?? 'synthetic';
  if (!Number.isInteger(size) || size < 0) throw new DataError('invalid-argument', `${name}: size must be a non-negative integer, got ${size}`);
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 1000) {
    throw new DataError('invalid-argument', `${name}: numClasses must be an integer in [1, 1000], got ${numClasses}`);
  }
  const seed = options.seed ?? 0;
  const rng = new Rng(seed);
  const per = h * w * c;
  const patterns: Float32Array[] = [];
  for (let k = 0; k < numClasses; k++) {
    const angle = (Math.PI * (k + 0.5 * rng.nextFloat())) / numClasses;
    const freq = 1 + (k % 3) + rng.nextFloat();
    const phase = 2 * Math.PI * rng.nextFloat();
    const tint = Array.from({ length: c }, () => 0.6 + 0.4 * rng.nextFloat());
    const p = new Float32Array(per);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const t = (Math.cos(angle) * x) / w + (Math.sin(angle) * y) / h;
        const v = 0.5 + 0.35 * Math.sin(2 * Math.PI * freq * t + phase);
        for (let ch = 0; ch < c; ch++) p[(y * w + x) * c + ch] = v * tint[ch];
      }
    }
    patterns.push(p);
  }
  const sampler = new Rng(mixSeeds(seed, options.split === 'test' ? 2 : 1));
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) labels[i] = i % numClasses;
  sampler.shuffle(labels);
  const images = new Float32Array(size * per);
  for (let i = 0; i < size; i++) {
    const p = patterns[labels[i]];
    const shift = 0.1 * (sampler.nextFloat() - 0.5);
    const base = i * per;
    for (let k = 0; k < per; k++) {
      const v = p[k] + shift + noise * sampler.nextGaussian();
      images[base + k] = Math.min(1, Math.max(0, v));
    }
  }
  const classNames = Array.from({ length: numClasses }, (_, k) => `class_${k}`);
  return createInMemoryDataset({ name, classNames, imageShape: [h, w, c], images, labels });
}
