import { expect } from 'chai';
import { cosineSchedule, stepSchedule, warmupCosineSchedule, withWarmup } from '@dyrep/trainer';

describe('LR schedules', () => {
  it('cosine goes from base to floor', () => {
    const s = cosineSchedule(0.1, 100, 1e-6);
    expect(s(0)).to.be.closeTo(0.1, 1e-12);
    expect(s(50)).to.be.closeTo((0.1 + 1e-6) / 2, 1e-12);
    expect(s(100)).to.be.closeTo(1e-6, 1e-12);
    expect(s(200)).to.be.closeTo(1e-6, 1e-12);
    expect(() => cosineSchedule(-1, 10)).to.throw(/positive/);
  });

  it('step decays at milestones and warm-up ramps linearly', () => {
    const s = stepSchedule(1, [10, 20], 0.1);
    expect([s(0), s(10), s(25)].map((v) => +v.toFixed(6))).to.deep.equal([1, 0.1, 0.01]);
    const w = withWarmup(() => 0.4, 4);
    [0, 0.1, 0.2, 0.3, 0.4, 0.4].forEach((v, i) => expect(w([0, 1, 2, 3, 4, 9][i])).to.be.closeTo(v, 1e-12));
  });

  it('warm-up then cosine reaches the base rate even when the warm-up is most of the run', () => {
    for (const [total, warm] of [
      [10, 8],
      [7, 7],
      [100, 20],
      [5, 0],
    ]) {
      const s = warmupCosineSchedule(0.2, total, warm, 1e-4);
      const lrs = Array.from({ length: total + 1 }, (_, t) => s(t));
      expect(Math.max(...lrs), `peak of ${total}/${warm}`).to.be.closeTo(0.2, 1e-12);
      expect(s(warm)).to.be.closeTo(0.2, 1e-12);
      for (let t = 0; t < warm; t++) expect(s(t)).to.be.closeTo((0.2 * t) / warm, 1e-12);
      if (warm < total) expect(s(total)).to.be.closeTo(1e-4, 1e-12);
      for (let t = warm + 1; t <= total; t++) expect(s(t)).to.be.at.most(s(t - 1) + 1e-15);
    }
    expect(() => warmupCosineSchedule(0.1, 10, 11)).to.throw(/warmupSteps/);
  });
});
