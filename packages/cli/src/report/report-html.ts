import type { EpochRecord, StructureEvent } from '@dyrep/trainer';
import { epochAxis, escapeXml, lineChart, type LineChartOptions } from './svg-chart';
import { structureTimeline } from './structure-timeline';

/** One training run shown in a report: its per-epoch records and structure changes. */
interface ReportRun {
  name: string;
  history: readonly EpochRecord[];
  events: readonly StructureEvent[];
  epochs: number;
}

/** What {@link renderReport} draws: a headline, a results table, curves of every run and their structure timelines. */
export interface ReportPage {
  title: string;
  /** One plain-text sentence under the title (escaped). */
  description: string;
  table: { header: string[]; rows: string[][] };
  runs: readonly ReportRun[];
  /** The validation metric to plot: its key in the epoch records (e.g. `val_top1`, `val_mAP`) and its label. */
  metric: { key: string; label: string };
  /** Runs whose structure was set before training (static policies) get no timeline. */
  skipTimeline?: (run: ReportRun) => boolean;
}

/** The report's curves, each a function of an epoch record (records without the value are skipped). */
function curves(metric: ReportPage['metric']): { options: LineChartOptions; value: (h: EpochRecord) => number }[] {
  return [
    { options: { title: metric.label, yLabel: metric.label, format: 'percent' }, value: (h) => Number(h[metric.key]) },
    { options: { title: 'Training loss', yLabel: 'loss', format: 'number' }, value: (h) => h.trainLoss },
    { options: { title: 'Validation loss', yLabel: 'loss', format: 'number' }, value: (h) => Number(h.val_loss) },
    { options: { title: 'Learning rate (last step of the epoch)', yLabel: 'learning rate', format: 'exponent' }, value: (h) => h.lr },
    {
      // Old metrics files have only `params` (after the epoch's change).
      options: { title: 'Training-structure parameters (during each epoch)', yLabel: 'parameters', format: 'integer', steps: true },
      value: (h) => h.trainParams ?? h.params,
    },
  ];
}

/**
 * A self-contained HTML page (inline CSS and SVG, no scripts or network): results table, then the
 * curves (validation metric, training and validation loss, learning rate, parameters) and the
 * structure timelines stacked on one shared epoch axis.
 */
export function renderReport(page: ReportPage): string {
  const axis = epochAxis(Math.max(1, ...page.runs.map((r) => r.epochs)));
  const charts = curves(page.metric)
    .map(({ options, value }) =>
      lineChart(
        axis,
        page.runs.map((r) => ({ name: r.name, points: r.history.map((h) => [h.epoch + 1, value(h)] as [number, number]) })),
        options,
      ),
    )
    .join('');
  const timelines = page.runs
    .filter((r) => r.events.length && !page.skipTimeline?.(r))
    .map((r) => `<h3>${escapeXml(r.name)}</h3>${structureTimeline(r.events, axis)}${eventList(r.events)}`)
    .join('');
  const { header, rows } = page.table;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(page.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}h3{font-size:15px;margin:12px 0 4px}
.charts svg{display:block;margin-bottom:8px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
code{background:#f4f4f4;padding:1px 4px}
</style></head><body>
<h1>${escapeXml(page.title)}</h1>
<p>${escapeXml(page.description)}</p>
<h2>Results</h2>
<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>
<h2>Curves</h2>
<div class="charts">${charts}</div>
<h2>Structure timeline</h2>
${timelines || '<p>The structure did not change during training.</p>'}
</body></html>
`;
}

function eventList(events: readonly StructureEvent[]): string {
  const rows = events.map((ev) => `<tr><td>${ev.epoch + 1}</td><td>${ev.type}</td><td><code>${escapeXml(ev.path)}</code></td><td>${escapeXml(ev.branches.join(', '))}</td></tr>`);
  return `<details><summary>${rows.length} events</summary><table><thead><tr><th>epoch</th><th>change</th><th>conv</th><th>branches</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}
