import type { StructureEvent } from '@dyrep/trainer';
import { epochTicks, epochX, escapeXml, type EpochAxis } from './svg-chart';

const GROW = '#2ca02c';
const CUT = '#d62728';

function growMark(x: number, y: number, inner = ''): string {
  return `<path d="M${x - 6},${y + 5} L${x + 6},${y + 5} L${x},${y - 6} Z" fill="${GROW}">${inner}</path>`;
}

function cutMark(x: number, y: number, inner = ''): string {
  return `<path d="M${x - 5},${y - 5} L${x + 5},${y + 5} M${x + 5},${y - 5} L${x - 5},${y + 5}" stroke="${CUT}" stroke-width="2.5">${inner}</path>`;
}

/**
 * An SVG timeline of structure changes on the report's shared epoch axis (so a mark lines up with
 * the charts above it): one row per conv path; a green triangle where the conv grew into a block,
 * a red cross where branches were cut, each at the end of the epoch it happened after (hover for
 * the branches); a legend explains both marks.
 */
export function structureTimeline(events: readonly StructureEvent[], axis: EpochAxis): string {
  if (!events.length) return '<p>No structure changes.</p>';
  const paths = [...new Set(events.map((e) => e.path))];
  const rowH = 22;
  const top = 44;
  const h = top + paths.length * rowH + 28;
  const bottom = h - 28;
  const parts: string[] = [];
  for (const t of epochTicks(axis)) {
    const x = epochX(axis, t);
    parts.push(`<line x1="${x}" x2="${x}" y1="${top - 12}" y2="${bottom}" stroke="#eee"/><text x="${x}" y="${bottom + 16}" font-size="11" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text x="${axis.right}" y="${h - 2}" font-size="12" text-anchor="end">epochs completed</text>`);
  const legendX = axis.left;
  parts.push(`${growMark(legendX + 6, 14)}<text x="${legendX + 18}" y="18" font-size="12">grow: the conv became a rep-block</text>`);
  parts.push(`${cutMark(legendX + 246, 13)}<text x="${legendX + 258}" y="18" font-size="12">cut: branches removed (kxk keeps the function)</text>`);
  parts.push(`<text x="${axis.right}" y="18" font-size="11" text-anchor="end" fill="#666">hover a mark for its branches</text>`);
  paths.forEach((p, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${axis.left - 8}" y="${y + 4}" font-size="11" text-anchor="end" font-family="monospace">${escapeXml(p)}</text>`);
    parts.push(`<line x1="${axis.left}" x2="${axis.right}" y1="${y}" y2="${y}" stroke="#f3f3f3"/>`);
  });
  for (const ev of events) {
    const x = epochX(axis, ev.epoch + 1);
    const y = top + paths.indexOf(ev.path) * rowH;
    const tip = `<title>${escapeXml(`after epoch ${ev.epoch + 1}: ${ev.type} ${ev.path} [${ev.branches.join(', ')}]`)}</title>`;
    parts.push(ev.type === 'grow' ? growMark(x, y, tip) : cutMark(x, y, tip));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${axis.width}" height="${h}" viewBox="0 0 ${axis.width} ${h}" font-family="system-ui, sans-serif" role="img" aria-label="structure timeline">${parts.join('')}</svg>`;
}
