import type { StructureEvent } from '@dyrep/trainer';
import { escapeXml } from './svg-chart';

/**
 * An SVG timeline of structure changes: one row per conv path, epochs along x; a green triangle
 * where the conv grew into a block, a red cross where branches were cut (hover for the branches).
 */
export function structureTimeline(events: readonly StructureEvent[], epochs: number): string {
  if (!events.length) return '<p>No structure changes.</p>';
  const paths = [...new Set(events.map((e) => e.path))];
  const rowH = 22;
  const left = 190;
  const w = 720;
  const h = 40 + paths.length * rowH + 30;
  const sx = (epoch: number) => left + ((epoch + 0.5) / Math.max(1, epochs)) * (w - left - 20);
  const parts: string[] = [];
  for (let e = 0; e < epochs; e++) {
    parts.push(`<line x1="${sx(e)}" x2="${sx(e)}" y1="30" y2="${h - 30}" stroke="#eee"/><text x="${sx(e)}" y="${h - 12}" font-size="11" text-anchor="middle">${e + 1}</text>`);
  }
  parts.push(`<text x="${(left + w) / 2}" y="16" font-size="12" text-anchor="middle">epoch (end of)</text>`);
  paths.forEach((p, i) => {
    const y = 40 + i * rowH;
    parts.push(`<text x="${left - 8}" y="${y + 4}" font-size="11" text-anchor="end" font-family="monospace">${escapeXml(p)}</text>`);
    parts.push(`<line x1="${left}" x2="${w - 20}" y1="${y}" y2="${y}" stroke="#f3f3f3"/>`);
  });
  for (const ev of events) {
    const x = sx(ev.epoch);
    const y = 40 + paths.indexOf(ev.path) * rowH;
    const tip = `<title>${escapeXml(`epoch ${ev.epoch + 1}: ${ev.type} ${ev.path} [${ev.branches.join(', ')}]`)}</title>`;
    parts.push(
      ev.type === 'grow'
        ? `<path d="M${x - 6},${y + 5} L${x + 6},${y + 5} L${x},${y - 6} Z" fill="#2ca02c">${tip}</path>`
        : `<path d="M${x - 5},${y - 5} L${x + 5},${y + 5} M${x + 5},${y - 5} L${x - 5},${y + 5}" stroke="#d62728" stroke-width="2.5">${tip}</path>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="system-ui, sans-serif" role="img" aria-label="structure timeline">${parts.join('')}</svg>`;
}
