import { expect } from 'chai';
import type { EpochRecord, StructureEvent } from '@dyrep/trainer';
import { niceScale } from '../src/report/axis-scale';
import { epochAxis, epochX, formatValue, lineChart } from '../src/report/svg-chart';
import { structureTimeline } from '../src/report/structure-timeline';
import { renderReport } from '../src/report/report-html';

/** A deterministic source of test values. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('report axes', () => {
  it('cover the data with distinct, evenly spaced ticks inside the domain, across random data', () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 500; trial++) {
      const scaleOf = 10 ** Math.floor(rnd() * 14 - 6);
      const offset = rnd() < 0.3 ? 0 : (rnd() - 0.3) * 10 * scaleOf;
      const n = 1 + Math.floor(rnd() * 20);
      const flat = rnd() < 0.2;
      const values = Array.from({ length: n }, () => (flat ? offset : offset + rnd() * scaleOf));
      const integer = rnd() < 0.3;
      const data = integer ? values.map(Math.round) : values;
      const { min, max, ticks } = niceScale(data, { integer });
      const label = JSON.stringify({ data, integer });
      expect(min, label).to.be.at.most(Math.min(...data));
      expect(max, label).to.be.at.least(Math.max(...data));
      expect(max, label).to.be.above(min);
      expect(ticks[0], label).to.equal(min);
      expect(ticks[ticks.length - 1], label).to.equal(max);
      expect(ticks.length, label).to.be.within(2, 12);
      const step = ticks[1] - ticks[0];
      for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1], label).to.be.closeTo(step, Math.abs(step) * 1e-6);
      if (integer) expect(ticks.every(Number.isInteger), label).to.equal(true);
      if (Math.min(...data) >= 0) expect(min, label).to.be.at.least(0);
      if (Math.max(...data) <= 0 && Math.min(...data) < 0) expect(max, label).to.be.at.most(0);
      const format = integer ? 'integer' : 'number';
      const printed = ticks.map((t) => formatValue(t, format, step));
      expect(new Set(printed).size, `${label} → ${printed}`).to.equal(printed.length);
    }
  });

  it('give a flat series a small range around it, never a negative one for non-negative data', () => {
    expect(niceScale([0, 0, 0]).min).to.equal(0);
    expect(niceScale([0, 0, 0]).max).to.be.above(0);
    const params = niceScale([11_689_512, 11_689_512], { integer: true });
    expect(params.min).to.be.below(11_689_512).and.at.least(0);
    expect(params.max).to.be.above(11_689_512);
    expect(new Set(params.ticks.map((t) => formatValue(t, 'integer', params.ticks[1] - params.ticks[0]))).size).to.equal(params.ticks.length);
    const acc = niceScale([0.9, 0.9]);
    expect(acc.min).to.be.at.least(0.8).and.below(0.9);
    expect(acc.max).to.be.above(0.9).and.at.most(1);
    expect(niceScale([3])).to.satisfy((s: { min: number; max: number }) => s.min < 3 && s.max > 3);
    expect(niceScale([-2, -2]).max).to.be.at.most(0);
  });

  it('print percentages and learning rates with the precision their step needs', () => {
    expect(formatValue(0.7812, 'percent', 0.01)).to.equal('78%');
    expect(formatValue(0.7812, 'percent', 0.001)).to.equal('78.1%');
    expect(formatValue(0.05, 'exponent', 0.01)).to.equal('5.0e-2');
    expect(formatValue(1234567, 'integer', 500000)).to.equal('1,234,567');
  });
});

function record(epoch: number, trainParams: number, params: number, events: StructureEvent[] = []): EpochRecord {
  return { epoch, lr: 0.1 / (epoch + 1), trainLoss: 2 - epoch * 0.3, val_loss: 2.1 - epoch * 0.2, val_top1: 0.5 + epoch * 0.1, seconds: 1, dataSeconds: 0, params, trainParams, flops: 1, events };
}

describe('report page', () => {
  const grow: StructureEvent = { epoch: 1, type: 'grow', path: 'layer1.0.conv1', branches: ['kxk', '1x1'] };
  const cut: StructureEvent = { epoch: 2, type: 'cut', path: 'layer1.0.conv1', branches: ['1x1'] };
  const history = [record(0, 1000, 1000), record(1, 1000, 1200, [grow]), record(2, 1200, 1100, [cut]), record(3, 1100, 1100)];

  it("draws the timeline marks on the charts' epoch axis: a change after epoch e at x(e + 1), where the parameter step changes", () => {
    const axis = epochAxis(4);
    const timeline = structureTimeline([grow, cut], axis);
    const x2 = epochX(axis, 2);
    const x3 = epochX(axis, 3);
    expect(timeline)
      .to.include(`<path d="M${x2 - 6},`)
      .and.include(` L${x2 + 6},`)
      .and.include(`fill="#2ca02c"><title>after epoch 2: grow`);
    expect(timeline)
      .to.include(`<path d="M${x3 - 5},`)
      .and.include(`stroke="#d62728" stroke-width="2.5"><title>after epoch 3: cut`);
    expect(timeline).to.include('grow: the conv became a rep-block').and.include('cut: branches removed');
    const chart = lineChart(axis, [{ name: 'dyrep', points: history.map((h) => [h.epoch + 1, h.trainParams]) }], { title: 'p', yLabel: 'parameters', format: 'integer', steps: true });
    const d = /<path d="([^"]+)" fill="none"/.exec(chart)![1];
    const vertices = [...d.matchAll(/([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    // The level changes exactly at x(2) (end of epoch 2, the grow) and at x(3) (the cut).
    const changesAt = vertices
      .slice(1)
      .filter((v, i) => v[1] !== vertices[i][1])
      .map((v) => v[0]);
    expect(changesAt).to.deep.equal([epochX(axis, 2), epochX(axis, 3)].map((x) => Number(x.toFixed(1))));
  });

  it('keeps the y-axis title clear of the widest tick label', () => {
    const axis = epochAxis(3);
    const chart = lineChart(
      axis,
      [
        {
          name: 'a',
          points: [
            [1, 11_000_000],
            [2, 11_689_512],
            [3, 12_000_000],
          ],
        },
      ],
      { title: 't', yLabel: 'parameters', format: 'integer' },
    );
    const titleX = Number(/translate\(([\d.]+) /.exec(chart)![1]);
    const labels = [...chart.matchAll(/text-anchor="end" font-size="11">([^<]+)</g)].map((m) => m[1]);
    const widest = Math.max(...labels.map((l) => l.length));
    // 12 px font rotated: the title's baseline must sit left of the labels' left edge (≈ 6.4 px per character).
    expect(titleX).to.be.below(axis.left - 8 - widest * 6.4);
  });

  it('has curves for the metric, training and validation loss, learning rate and parameters, and a legend', () => {
    const html = renderReport({
      title: 'r',
      description: 'd',
      table: { header: ['a'], rows: [['1']] },
      runs: [{ name: 'dyrep', history, events: [grow, cut], epochs: 4 }],
      metric: { key: 'val_top1', label: 'Test accuracy (top-1)' },
    });
    for (const t of ['Test accuracy (top-1)', 'Training loss', 'Validation loss', 'Learning rate', 'Training-structure parameters']) expect(html).to.include(`aria-label="${t}`);
    expect(html).to.include('grow: the conv became a rep-block');
    expect(html.match(/width="1000"/g)!.length).to.equal(6);
  });
});
