/** Receives per-batch progress of an epoch. */
export interface ProgressReporter {
  /** An epoch of `total` batches starts. */
  start(epoch: number, epochs: number, total: number): void;
  /** `done` batches of the epoch are finished; `examples` processed so far this epoch. */
  update(done: number, examples: number, loss: number): void;
  /** The epoch ended; `summary` is a one-line result. */
  stop(summary: string): void;
  /** A message that must not garble the bar. */
  log(message: string): void;
}

/** `epoch 2/10 batch 120/938 (13%) loss 0.4312, 850 img/s, elapsed 1m02s, ETA 7m05s`: one heartbeat line. */
export function heartbeatLine(label: string, done: number, total: number, examples: number, loss: number, seconds: number): string {
  const speed = seconds > 0 ? Math.round(examples / seconds) : 0;
  const eta = done > 0 ? (seconds / done) * (total - done) : NaN;
  return `${label} batch ${done}/${total} (${Math.floor((100 * done) / total)}%) loss ${loss.toFixed(4)}, ${speed} img/s, elapsed ${duration(seconds)}, ETA ${duration(eta)}`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}h${pad(m)}m${pad(s % 60)}s` : `${m}m${pad(s % 60)}s`;
}

/** A reporter that prints nothing (tests, library use). */
export const silentProgress: ProgressReporter = { start() {}, update() {}, stop() {}, log() {} };
