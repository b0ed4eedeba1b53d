import { Presets, SingleBar } from 'cli-progress';
import { heartbeatLine, type ProgressReporter } from '@dyrep/trainer';

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
