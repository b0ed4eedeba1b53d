import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, GlobalAvgPool, Linear, ReLU, Rng, Sequential, type Module } from '@dyrep/nn';
import { randomizeBatchNorms } from '@dyrep/test-utils';
import { RepBlock, growAt, listPresets, type BlockGeometry, type PresetName } from '../src/index';

/** A random rep-block configuration of the conformance suite. */
export interface BlockConfig {
  geometry: BlockGeometry;
  preset: PresetName;
  /** Levels of nested blocks below the top-level one (0–2). */
  nesting: number;
  batch: number;
  height: number;
  width: number;
}

/** Draws the t-th configuration: presets cycle, the rest is random (k 3/5, stride 1/2, padding ⌊k/2⌋/0, groups 1/2/depthwise). */
export function randomConfig(rng: Rng, t: number): BlockConfig {
  const k = [3, 5][rng.nextInt(2)];
  const stride = 1 + rng.nextInt(2);
  const padding = rng.nextFloat() < 0.7 ? Math.floor(k / 2) : 0;
  const kind = rng.nextInt(3);
  let cin: number;
  let cout: number;
  let groups: number;
  if (kind === 0) {
    groups = 1;
    cin = 1 + rng.nextInt(4);
    cout = 1 + rng.nextInt(5);
  } else if (kind === 1) {
    groups = 2;
    cin = 2 * (1 + rng.nextInt(2));
    cout = 2 * (1 + rng.nextInt(3));
  } else {
    groups = 2 + rng.nextInt(3);
    cin = groups;
    cout = groups * (1 + rng.nextInt(2));
  }
  // Mostly cin ≠ cout; every fourth dense/grouped config has cin = cout so that `id` is exercised.
  if (kind !== 2 && t % 4 === 0) cout = cin;
  else if (kind !== 2 && cout === cin) cout = cin + groups;
  const presets = listPresets();
  return {
    geometry: { inChannels: cin, outChannels: cout, kernelSize: k, stride, padding, groups },
    preset: presets[t % presets.length],
    nesting: t % 3,
    batch: 1 + rng.nextInt(2),
    height: k + rng.nextInt(4),
    width: k + rng.nextInt(4),
  };
}

/** Randomises every conv bias of a model (biases default to 0). */
export function randomizeBiases(model: Module, rng: Rng): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof Conv2d && m.bias) {
      const b = m.bias;
      tf.tidy(() => b.assign(tf.tensor1d(rng.normalArray(b.size, 0.5))));
    }
  }
}

/** Builds the block of a configuration with its nesting, randomised away from all defaults. */
export function buildBlock(cfg: BlockConfig, rng: Rng): RepBlock {
  const maxDepth = Math.max(2, cfg.nesting + 1);
  const block = new RepBlock({ ...cfg.geometry, branches: cfg.preset, maxDepth });
  const presets = listPresets();
  // Level 1: grow the kxk conv and, when present, the k×k conv of 1x1_kxk; level 2: grow inside those.
  let frontier: string[] = [''];
  for (let level = 1; level <= cfg.nesting; level++) {
    const next: string[] = [];
    for (const base of frontier) {
      const inner = base ? (block.getModule(base) as RepBlock) : block;
      const spots = ['kxk.conv', ...(inner.has('1x1_kxk') ? ['1x1_kxk.conv2'] : [])];
      for (const spot of spots) {
        const path = base ? `${base}.${spot}` : spot;
        growAt(block, path, { branches: presets[rng.nextInt(presets.length)], gate: 0.01 + rng.nextFloat() });
        next.push(path);
      }
    }
    frontier = next;
  }
  randomizeBatchNorms(block, rng);
  randomizeBiases(block, rng);
  return block;
}

/** max |a − b| / max |b|. */
export function relDiff(a: tf.Tensor, b: tf.Tensor): { diff: number; scale: number; ratio: number } {
  const [diff, scale] = tf.tidy(() => [tf.max(tf.abs(tf.sub(a, b))).dataSync()[0], tf.max(tf.abs(b)).dataSync()[0]]);
  return { diff, scale, ratio: diff / scale };
}

/** A Conv2d with random weights and (optionally) a random bias. */
export function randomConv(geometry: BlockGeometry, rng: Rng, bias: boolean): Conv2d {
  const conv = new Conv2d({ ...geometry, bias });
  if (conv.bias) {
    const b = conv.bias;
    tf.tidy(() => b.assign(tf.tensor1d(rng.normalArray(b.size, 0.5))));
  }
  return conv;
}

/** A small VGG-like plain network: conv(bias) → BN → ReLU stages with a depthwise and a strided conv, then a classifier. */
export function tinyVgg(cin = 3, width = 8): Sequential {
  const conv = (i: number, o: number, extra: Partial<ConstructorParameters<typeof Conv2d>[0]> = {}) => new Conv2d({ inChannels: i, outChannels: o, kernelSize: 3, padding: 1, bias: true, ...extra });
  return new Sequential(
    conv(cin, width),
    new BatchNorm2d(width),
    new ReLU(),
    conv(width, width, { groups: width }),
    new BatchNorm2d(width),
    new ReLU(),
    conv(width, 2 * width, { stride: 2 }),
    new BatchNorm2d(2 * width),
    new ReLU(),
    conv(2 * width, 2 * width, { groups: 2, kernelSize: 5, padding: 2 }),
    new ReLU(),
    conv(2 * width, 2 * width, { padding: 0 }),
    new GlobalAvgPool(),
    new Linear(2 * width, 10),
  );
}

/**
 * Runs `fn` (a training step that updates running statistics) and puts every buffer of `model` back
 * afterwards, so several steps on the same model can be compared.
 */
export function withRestoredBuffers<T>(model: Module, fn: () => T): T {
  const before = model.namedBuffers().map(([path, v]) => [path, v.clone()] as const);
  try {
    return fn();
  } finally {
    for (const [path, saved] of before) {
      model
        .namedBuffers()
        .find(([p]) => p === path)![1]
        .assign(saved);
      saved.dispose();
    }
  }
}
