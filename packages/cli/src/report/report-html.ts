import type { TrainConfig } from '../config/schema';
import type { BenchEntry } from '../run/bench-run';
import { escapeXml, lineChart } from './svg-chart';
import { structureTimeline } from './structure-timeline';

/** A self-contained HTML page (inline CSS and SVG, no scripts or network) with the benchmark's curves, timeline and table. */
export function renderReport(config: TrainConfig, entries: readonly BenchEntry[], table: { header: string[]; rows: string[][] }): string {
  const acc = entries.map((e) => ({ name: e.policy, points: e.summary.history.map((h) => [h.epoch + 1, Number(h.val_top1)] as [number, number]) }));
  const loss = entries.map((e) => ({ name: e.policy, points: e.summary.history.map((h) => [h.epoch + 1, h.trainLoss] as [number, number]) }));
  const params = entries.map((e) => ({ name: e.policy, points: e.summary.history.map((h) => [h.epoch + 1, h.params] as [number, number]) }));
  const timelines = entries
    .filter((e) => e.summary.events.length && e.policy !== 'dbb' && e.policy !== 'repvgg' && e.policy !== 'acb')
    .map((e) => `<h3>${escapeXml(e.policy)}</h3>${structureTimeline(e.summary.events, e.summary.epochs)}${eventList(e)}`)
    .join('');
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dyrep bench: ${escapeXml(config.model)} on ${escapeXml(config.dataset)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}h3{font-size:15px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
code{background:#f4f4f4;padding:1px 4px}
</style></head><body>
<h1>dyrep bench: ${escapeXml(config.model)} (width ${config.width}) on ${escapeXml(config.dataset)}</h1>
<p>${entries.length} policies, ${config.epochs} epochs each, batch ${config.batchSize}, lr ${config.lr}, seed ${config.seed}${config.trainLimit ? `, first ${config.trainLimit} training images` : ''}${config.testLimit ? `, first ${config.testLimit} test images` : ''}; backend <code>${escapeXml(entries[0]?.summary.backend ?? '')}</code>.</p>
<h2>Results</h2>
<table><thead><tr>${table.header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead>
<tbody>${table.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>
<h2>Curves</h2>
<div class="charts">${lineChart('Test accuracy (top-1)', 'epoch', 'accuracy', acc, pct)}${lineChart('Training loss', 'epoch', 'loss', loss, (v) => v.toFixed(2))}${lineChart('Training-structure parameters', 'epoch', 'parameters', params, (v) => Math.round(v).toLocaleString('en-US'))}</div>
<h2>Structure timeline</h2>
${timelines || '<p>No policy changed the structure during training.</p>'}
</body></html>
`;
}

function eventList(e: BenchEntry): string {
  const rows = e.summary.events.map((ev) => `<tr><td>${ev.epoch + 1}</td><td>${ev.type}</td><td><code>${escapeXml(ev.path)}</code></td><td>${escapeXml(ev.branches.join(', '))}</td></tr>`);
  return `<details><summary>${rows.length} events</summary><table><thead><tr><th>epoch</th><th>change</th><th>conv</th><th>branches</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}
