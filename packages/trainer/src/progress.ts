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

/**
 * A progress bar with loss, throughput and ETA on a terminal (cli-progress), or, when `stream` is
 * not a TTY, one plain line per epoch (plus a line every `plainEvery` batches) so logs stay readable.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, plainEvery = 0): ProgressReporter {
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
  return {
    start(epoch, epochs) {
      started = Date.now();
      label = `epoch ${epoch + 1}/${epochs}`;
    },
    update(done, examples, loss) {
      if (plainEvery > 0 && done % plainEvery === 0) {
        const secs = (Date.now() - started) / 1000;
        stream.write(`${label} batch ${done} loss ${loss.toFixed(4)} ${Math.round(examples / Math.max(secs, 1e-9))} img/s\n`);
      }
    },
    stop(summary) {
      stream.write(`${summary}\n`);
    },
    log(message) {
      stream.write(`${message}\n`);
    },
  };
}

/** A reporter that prints nothing (tests, library use). */
export const silentProgress: ProgressReporter = { start() {}, update() {}, stop() {}, log() {} };
