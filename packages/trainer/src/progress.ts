import { SingleBar, Presets } from 'cli-progress';

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

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /**
   * When the stream is not a terminal: seconds between heartbeat lines within an epoch (batch,
   * loss, throughput, ETA); 0 prints only the line at the end of each epoch. Default 30.
   */
  intervalSeconds?: number;
  /** Clock in milliseconds (default `Date.now`); tests pass a fake one. */
  now?: () => number;
}

/**
 * A progress bar with loss, throughput and ETA on a terminal (cli-progress), or, when `stream` is
 * not a TTY (a log file, CI), plain lines: a heartbeat every `intervalSeconds` and one line per
 * epoch, so a long epoch is never silent.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): ProgressReporter {
  const intervalMs = (options.intervalSeconds ?? 30) * 1000;
  if (!(intervalMs >= 0)) throw new Error(`progress: intervalSeconds must be a non-negative number, got ${options.intervalSeconds}`);
  const now = options.now ?? Date.now;
  let started = 0;
  let label = '';
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        stream,
        format: '{label} {bar} {value}/{total} | loss {loss} | {speed} img/s | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    let active = false;
    return {
      start(epoch, epochs, total) {
        started = Date.now();
        label = `epoch ${epoch + 1}/${epochs}`;
        bar.start(total, 0, { label, loss: '-', speed: '-' });
        active = true;
      },
      update(done, examples, loss) {
        const secs = (Date.now() - started) / 1000;
        bar.update(done, { loss: loss.toFixed(4), speed: secs > 0 ? Math.round(examples / secs) : '-' });
      },
      stop(summary) {
        if (active) bar.stop();
        active = false;
        stream.write(`${summary}\n`);
      },
      log(message) {
        // The bar redraws in place; end it (it clears itself) so the message gets its own line.
        if (active) bar.stop();
        active = false;
        stream.write(`${message}\n`);
      },
    };
  }
  let total = 0;
  let lastLine = 0;
  return {
    start(epoch, epochs, batches) {
      started = now();
      lastLine = started;
      total = batches;
      label = `epoch ${epoch + 1}/${epochs}`;
    },
    update(done, examples, loss) {
      const t = now();
      if (intervalMs === 0 || t - lastLine < intervalMs || done >= total) return;
      lastLine = t;
      stream.write(`${heartbeatLine(label, done, total, examples, loss, (t - started) / 1000)}\n`);
    },
    stop(summary) {
      stream.write(`${summary}\n`);
    },
    log(message) {
      stream.write(`${message}\n`);
    },
  };
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
