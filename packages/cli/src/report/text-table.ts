/** Renders rows as an aligned plain-text table with a header rule (numbers right-aligned). */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] === 'number' || /^[-+]?[\d.,]+\s*\S*$/.test(String(r[i]))));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** `12,345` style thousands grouping. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A fraction as a percentage with two decimals. */
export function formatPercent(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** Mean of a list (0 when empty). */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/** How many grows and cuts a run made. */
export function countStructureChanges(events: readonly { type: string }[]): { grows: number; cuts: number } {
  const count = (type: string) => events.filter((e) => e.type === type).length;
  return { grows: count('grow'), cuts: count('cut') };
}

/** `3 grow, 1 cut`. */
export function formatStructureChanges(events: readonly { type: string }[]): string {
  const { grows, cuts } = countStructureChanges(events);
  return `${grows} grow, ${cuts} cut`;
}
