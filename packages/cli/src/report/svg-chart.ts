/** One line of a chart. */
export interface Series {
  name: string;
  points: [number, number][];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** Escapes text for HTML/SVG. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const step0 = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-12; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

/** A self-contained SVG line chart with axes, ticks, axis titles and a legend. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: readonly Series[], format = (v: number) => String(v)): string {
  const w = 560;
  const h = 320;
  const m = { l: 64, r: 16, t: 36, b: 48 };
  const all = series.flatMap((s) => s.points);
  if (!all.length) return `<svg width="${w}" height="60" role="img"><text x="10" y="30">${escapeXml(title)}: no data</text></svg>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) === Math.min(...xs) ? Math.min(...xs) + 1 : Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (w - m.l - m.r);
  const sy = (y: number) => h - m.b - ((y - y0) / (y1 - y0)) * (h - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<text x="${w / 2}" y="20" text-anchor="middle" font-weight="600">${escapeXml(title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end" font-size="11">${escapeXml(format(t))}</text>`);
  }
  for (const t of niceTicks(x0, x1).filter((t) => Number.isInteger(t))) {
    parts.push(`<text x="${sx(t)}" y="${h - m.b + 16}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${h - m.b}" stroke="#333"/><line x1="${m.l}" x2="${w - m.r}" y1="${h - m.b}" y2="${h - m.b}" stroke="#333"/>`);
  parts.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 10}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(m.t + h - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${s.name}: ${format(p[1])} at ${p[0]}`)}</title></circle>`);
    parts.push(`<rect x="${m.l + 10 + i * 110}" y="${m.t - 4}" width="12" height="4" fill="${color}"/><text x="${m.l + 26 + i * 110}" y="${m.t}" font-size="11">${escapeXml(s.name)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeXml(title)}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}
