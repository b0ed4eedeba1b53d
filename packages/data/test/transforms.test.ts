import { expect } from 'chai';
import { applyTransforms, cutout, DATASET_STATS, evalTransforms, normalize, randomCrop, randomHorizontalFlip, trainTransforms, type HostBatch } from '../src/index';
import type { RandomSource } from '@dyrep/nn';

/** A random source that replays fixed draws and records the `n` of each nextInt call. */
function stub(ints: number[], floats: number[] = []): RandomSource & { ranges: number[] } {
  const ranges: number[] = [];
  return {
    ranges,
    nextInt(n: number) {
      ranges.push(n);
      const v = ints.shift();
      if (v === undefined || v >= n) throw new Error(`stub: no int draw left in [0, ${n})`);
      return v;
    },
    nextFloat() {
      const v = floats.shift();
      if (v === undefined) throw new Error('stub: no float draw left');
      return v;
    },
  };
}

function batchOf(size: number, shape: [number, number, number], values: (i: number) => number): HostBatch {
  const n = size * shape[0] * shape[1] * shape[2];
  return { images: Float32Array.from({ length: n }, (_, i) => values(i)), labels: new Int32Array(size), size, imageShape: shape };
}

describe('transforms', () => {
  it('randomCrop pads and crops at the drawn offsets', () => {
    // 3×3 image 1..9, padding 1: offsets drawn in [0, 3); dy = 0 − 1, dx = 2 − 1.
    const rng = stub([0, 2]);
    const out = randomCrop({ padding: 1 }).apply(
      batchOf(1, [3, 3, 1], (i) => i + 1),
      rng,
    );
    expect(Array.from(out.images)).to.deep.equal([0, 0, 0, 2, 3, 0, 5, 6, 0]);
    expect(rng.ranges).to.deep.equal([3, 3]);
    expect(out.imageShape).to.deep.equal([3, 3, 1]);
  });

  it('randomCrop to a smaller size, per image, all channels', () => {
    // Two 3×3×2 images; crop 2×2 without padding; offsets (1, 0) then (0, 1).
    const rng = stub([1, 0, 0, 1]);
    const out = randomCrop({ padding: 0, size: [2, 2] }).apply(
      batchOf(2, [3, 3, 2], (i) => i),
      rng,
    );
    const px = (n: number, y: number, x: number) => [0, 1].map((c) => ((n * 3 + y) * 3 + x) * 2 + c);
    expect(Array.from(out.images)).to.deep.equal([...px(0, 1, 0), ...px(0, 1, 1), ...px(0, 2, 0), ...px(0, 2, 1), ...px(1, 0, 1), ...px(1, 0, 2), ...px(1, 1, 1), ...px(1, 1, 2)]);
    expect(out.imageShape).to.deep.equal([2, 2, 2]);
    expect(rng.ranges).to.deep.equal([2, 2, 2, 2]);
  });

  it('randomHorizontalFlip mirrors the images whose draw is below p', () => {
    // Two 2×3×2 images; draws 0.3 (flip) and 0.7 (keep).
    const b = batchOf(2, [2, 3, 2], (i) => i);
    const out = randomHorizontalFlip(0.5).apply(b, stub([], [0.3, 0.7]));
    expect(Array.from(out.images.subarray(0, 12))).to.deep.equal([4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7]);
    expect(Array.from(out.images.subarray(12))).to.deep.equal(Array.from({ length: 12 }, (_, i) => 12 + i));
  });

  it('cutout zeroes the square around the drawn centre, clipped at borders', () => {
    // 4×4: size 2 at (0, 3) covers rows [-1, 1) ∩ [0, 4), cols [2, 4).
    const a = cutout({ size: 2 }).apply(
      batchOf(1, [4, 4, 1], () => 1),
      stub([0, 3]),
    );
    expect(Array.from(a.images)).to.deep.equal([1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // size 3 at (2, 2) covers rows and cols [1, 4), both channels.
    const rng = stub([2, 2]);
    const b = cutout({ size: 3 }).apply(
      batchOf(1, [4, 4, 2], () => 5),
      rng,
    );
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const inside = y >= 1 && x >= 1;
        expect([b.images[(y * 4 + x) * 2], b.images[(y * 4 + x) * 2 + 1]]).to.deep.equal(inside ? [0, 0] : [5, 5]);
      }
    }
    expect(rng.ranges).to.deep.equal([4, 4]);
    // p < 1: one coin per image first; 0.9 ≥ 0.5 skips without drawing a centre.
    const c = cutout({ size: 2, p: 0.5 }).apply(
      batchOf(1, [2, 2, 1], () => 1),
      stub([], [0.9]),
    );
    expect(Array.from(c.images)).to.deep.equal([1, 1, 1, 1]);
  });

  it('normalize applies per-channel statistics', () => {
    const out = normalize([0.5, 0.25], [0.5, 0.25]).apply(
      batchOf(1, [1, 2, 2], (i) => [1, 0.5, 0, 0][i]),
      stub([]),
    );
    expect(Array.from(out.images)).to.deep.equal([1, 1, -1, -1]);
    expect(() =>
      normalize([0.5, 0.5, 0.5], [1, 1, 1]).apply(
        batchOf(1, [1, 1, 2], () => 0),
        stub([]),
      ),
    ).to.throw(/3 channel statistics for images with 2 channels/);
    expect(() => normalize([0.5], [0])).to.throw(/std > 0/);
  });

  it('pipelines follow the documented recipes', () => {
    expect(trainTransforms('cifar10').map((t) => t.name)).to.deep.equal([
      'randomCrop(pad=4)',
      'randomHorizontalFlip(p=0.5)',
      `normalize(mean=[${DATASET_STATS.cifar10.mean.join(', ')}], std=[${DATASET_STATS.cifar10.std.join(', ')}])`,
      'cutout(size=16)',
    ]);
    expect(trainTransforms('mnist').map((t) => t.name.split('(')[0])).to.deep.equal(['randomCrop', 'normalize']);
    expect(evalTransforms('fashion-mnist').map((t) => t.name.split('(')[0])).to.deep.equal(['normalize']);
    expect(evalTransforms('synthetic')).to.deep.equal([]);
    expect(() => trainTransforms('svhn')).to.throw(/no transform pipeline for 'svhn'; known: fashion-mnist, mnist, cifar10/);
  });

  it('a composed train pipeline keeps shapes and labels', () => {
    const b = batchOf(3, [32, 32, 3], (i) => (i % 255) / 255);
    b.labels.set([4, 5, 6]);
    let s = 0x12345;
    const rng: RandomSource = {
      nextFloat: () => {
        s = (s * 1103515245 + 12345) >>> 0;
        return s / 4294967296;
      },
      nextInt: (n) => Math.floor(rng.nextFloat() * n),
    };
    const out = applyTransforms(b, trainTransforms('cifar100'), rng);
    expect(out.imageShape).to.deep.equal([32, 32, 3]);
    expect(out.images.length).to.equal(3 * 32 * 32 * 3);
    expect(Array.from(out.labels)).to.deep.equal([4, 5, 6]);
    expect(out.images.every((v) => Number.isFinite(v))).to.equal(true);
  });
});
