import { expect } from 'chai';
import { mixSeeds, Rng } from '@dyrep/nn';

describe('Rng (xoshiro128**)', () => {
  it('draws N(mean, std²) arrays (odd lengths too) and U(low, high) arrays', () => {
    const r = new Rng(11);
    const n = 40001;
    const a = r.normalArray(n, 2, 3);
    const mean = a.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    expect(mean).to.be.closeTo(3, 0.05);
    expect(sd).to.be.closeTo(2, 0.05);
    expect(Number.isFinite(a[n - 1]) && a[n - 1] !== 0).to.equal(true);
    const u = r.uniformArray(10000, -0.5, 1.5);
    expect(Math.min(...u)).to.be.at.least(-0.5);
    expect(Math.max(...u)).to.be.below(1.5);
    expect(u.reduce((s, v) => s + v, 0) / u.length).to.be.closeTo(0.5, 0.03);
  });

  it('matches the reference xoshiro128** output from state [1, 2, 3, 4]', () => {
    const r = new Rng();
    r.setState([1, 2, 3, 4]);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).to.deep.equal([11520, 0, 5927040]);
  });

  it('is reproducible per seed and differs between seeds', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextUint32()
      )(new Rng(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextUint32()
      )(new Rng(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextUint32()
      )(new Rng(43)),
    );
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
  });

  it('checkpoints and resumes the exact stream through JSON', () => {
    const r = new Rng(7);
    for (let i = 0; i < 100; i++) r.nextFloat();
    const saved = JSON.parse(JSON.stringify(r.getState()));
    const expected = Array.from({ length: 10 }, () => r.nextUint32());
    const q = new Rng(0);
    q.setState(saved);
    expect(Array.from({ length: 10 }, () => q.nextUint32())).to.deep.equal(expected);
    const c = q.clone();
    expect(c.nextUint32()).to.equal(q.nextUint32());
    expect(() => q.setState([0, 0, 0, 0])).to.throw(/all-zero/);
    expect(() => q.setState([1, 2, 3] as never)).to.throw(/four uint32/);
  });

  it('draws integers in range, roughly uniformly, and floats in [0, 1)', () => {
    const r = new Rng(1);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.nextInt(6)]++;
    for (const c of counts) expect(c).to.be.within(9500, 10500);
    for (let i = 0; i < 1000; i++) {
      const f = r.nextFloat();
      expect(f).to.be.at.least(0).and.below(1);
    }
    expect(() => r.nextInt(0)).to.throw(RangeError);
  });

  it('shuffles into a permutation, reproducibly', () => {
    const p = new Rng(3).shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    const q = new Rng(3).shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p)).to.deep.equal(Array.from(q));
    expect(Array.from(p).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p)).to.not.deep.equal(Array.from({ length: 100 }, (_, i) => i));
  });

  it('mixSeeds separates nearby inputs', () => {
    const seen = new Set<number>();
    for (let a = 0; a < 30; a++) for (let b = 0; b < 30; b++) seen.add(mixSeeds(a, b));
    expect(seen.size).to.equal(900);
  });
});
