import { niceScale } from './axis-scale';

/** One line of a chart: `[x, y]` points in increasing x. */
export interface Series {
  name: string;
  points: [number, number][];
}

/**
 * The epoch axis every panel of a report shares (the charts and the structure timelines), so that
 * one epoch is at the same horizontal position in all of them: x is the number of epochs completed,
 * 0 … `epochs`; a value measured at the end of (0-based) epoch e is drawn at e + 1.
 */
export interface EpochAxis {
  epochs: number;
  /** Panel width and the plot's left and right edges, in pixels. */
  width: number;
  left: number;
  right: number;
}

/** The report's epoch axis for runs of up to `epochs` epochs: 1000 px panels, a 210 px label column. */
export function epochAxis(epochs: number): EpochAxis {
  return { epochs: Math.max(1, epochs), width: 1000, left: 210, right: 980 };
}

/** Pixel position of `x` epochs completed on `axis`. */
export function epochX(axis: EpochAxis, x: number): number {
  return axis.left + (x / axis.epochs) * (axis.right - axis.left);
}

/** Integer epoch ticks of the axis (0 … epochs, about 10 of them). */
export function epochTicks(axis: EpochAxis): number[] {
  return niceScale([0, axis.epochs], { integer: true, count: Math.min(10, axis.epochs) }).ticks.filter((t) => t <= axis.epochs);
}

/** How a chart's values are printed on its ticks and tooltips. */
export type ValueFormat = 'percent' | 'integer' | 'number' | 'exponent';

/** Formats `v` with the precision the tick `step` needs, so neighbouring ticks never print the same. */
export function formatValue(v: number, format: ValueFormat, step: number): string {
  const decimals = (s: number) => Math.max(0, Math.min(8, -Math.floor(Math.log10(s) + 1e-9)));
  switch (format) {
    case 'percent':
      return `${(v * 100).toFixed(decimals(step * 100))}%`;
    case 'integer':
      return Math.round(v).toLocaleString('en-US');
    case 'exponent':
      return v === 0 ? '0' : v.toExponential(Math.max(1, Math.min(4, Math.round(Math.log10(Math.abs(v) / step)))));
    default:
      return v.toFixed(decimals(step));
  }
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** The colour of the i-th run in every chart. */
function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Escapes text for HTML/SVG. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Approximate rendered width (px) of `text` at an 11 px system-ui font. */
function textWidth(text: string): number {
  return text.length * 6.4;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  yLabel: string;
  format: ValueFormat;
  /**
   * Draw each point as a horizontal step over the epoch it belongs to (x − 1 … x), for values that
   * hold during an epoch (the structure trained), rather than a line through end-of-epoch points.
   */
  steps?: boolean;
  height?: number;
}

/**
 * A self-contained SVG line chart on the shared epoch axis: y ticks from {@link niceScale}, the
 * y-axis title left of the widest tick label, a legend of the series, a tooltip per point.
 */
export function lineChart(axis: EpochAxis, series: readonly Series[], o: LineChartOptions): string {
  const h = o.height ?? 230;
  const top = 44;
  const bottom = h - 34;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[1]));
  if (!all.length) return '';
  const scale = niceScale(
    all.map((p) => p[1]),
    { integer: o.format === 'integer' },
  );
  const step = scale.ticks.length > 1 ? scale.ticks[1] - scale.ticks[0] : Math.abs(scale.max) || 1;
  const label = (v: number) => formatValue(v, o.format, step);
  const sy = (y: number) => bottom - ((y - scale.min) / (scale.max - scale.min)) * (bottom - top);
  const parts: string[] = [];
  parts.push(`<text x="${axis.left}" y="18" font-weight="600" font-size="14">${escapeXml(o.title)}</text>`);
  const widest = Math.max(...scale.ticks.map((t) => textWidth(label(t))));
  for (const t of scale.ticks) {
    parts.push(`<line x1="${axis.left}" x2="${axis.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${axis.left - 8}" y="${sy(t) + 4}" text-anchor="end" font-size="11">${escapeXml(label(t))}</text>`);
  }
  for (const t of epochTicks(axis)) {
    parts.push(`<line x1="${epochX(axis, t)}" x2="${epochX(axis, t)}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/>`);
    parts.push(`<text x="${epochX(axis, t)}" y="${bottom + 16}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  parts.push(`<line x1="${axis.left}" x2="${axis.left}" y1="${top}" y2="${bottom}" stroke="#333"/><line x1="${axis.left}" x2="${axis.right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  parts.push(`<text x="${axis.right}" y="${h - 4}" text-anchor="end" font-size="12">epochs completed</text>`);
  const titleX = Math.max(14, axis.left - 8 - widest - 12);
  parts.push(`<text transform="translate(${titleX} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(o.yLabel)}</text>`);
  let legendX = axis.left + textWidth(o.title) * 1.3 + 24;
  series.forEach((s, i) => {
    const color = seriesColor(i);
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (!pts.length) return;
    const d = o.steps
      ? pts.map((p, j) => `${j ? 'L' : 'M'}${epochX(axis, p[0] - 1).toFixed(1)},${sy(p[1]).toFixed(1)} L${epochX(axis, p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')
      : pts.map((p, j) => `${j ? 'L' : 'M'}${epochX(axis, p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of pts) {
      const cx = epochX(axis, o.steps ? p[0] - 0.5 : p[0]).toFixed(1);
      const tip = o.steps ? `${s.name}: ${label(p[1])} during epoch ${p[0]}` : `${s.name}: ${label(p[1])} after epoch ${p[0]}`;
      parts.push(`<circle cx="${cx}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(tip)}</title></circle>`);
    }
    parts.push(`<rect x="${legendX}" y="10" width="14" height="4" fill="${color}"/><text x="${legendX + 18}" y="16" font-size="11">${escapeXml(s.name)}</text>`);
    legendX += 18 + textWidth(s.name) + 22;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${axis.width}" height="${h}" viewBox="0 0 ${axis.width} ${h}" role="img" aria-label="${escapeXml(o.title)}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}
