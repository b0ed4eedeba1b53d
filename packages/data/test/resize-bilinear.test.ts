import { expect } from 'chai';
import { resizeBilinear } from '../src/index';

describe('resizeBilinear', () => {
  it('is the identity at the same size', () => {
    const src = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i * 1.5);
    expect(Array.from(resizeBilinear(src, [2, 3, 2], 2, 3))).to.deep.equal(Array.from(src));
  });

  it('upsamples 2×2 → 4×4 with half-pixel centres (hand-computed)', () => {
    // src = [[0, 4], [8, 12]]; sample coordinates along each axis: -0.25→0, 0.25, 0.75, 1.25→1.
    const out = Array.from(resizeBilinear([0, 4, 8, 12], [2, 2, 1], 4, 4));
    const axis = [0, 0.25, 0.75, 1];
    const expected = axis.flatMap((fy) => axis.map((fx) => 8 * fy + 4 * fx));
    expect(out).to.deep.equal(expected);
  });

  it('downsamples 4×4 → 2×2 by averaging the central 2×2 neighbourhoods', () => {
    const src = Array.from({ length: 16 }, (_, i) => i);
    // Output (0,0) samples (0.5, 0.5): mean of 0, 1, 4, 5 = 2.5.
    expect(Array.from(resizeBilinear(src, [4, 4, 1], 2, 2))).to.deep.equal([2.5, 4.5, 10.5, 12.5]);
  });

  it('keeps channels separate', () => {
    const out = resizeBilinear([0, 100, 10, 110], [1, 2, 2], 1, 4);
    expect(Array.from(out)).to.deep.equal([0, 100, 2.5, 102.5, 7.5, 107.5, 10, 110]);
  });

  it('rejects a wrong source length', () => {
    expect(() => resizeBilinear([1, 2, 3], [2, 2, 1], 4, 4)).to.throw(/3 values, expected 2×2×1/);
  });
});
