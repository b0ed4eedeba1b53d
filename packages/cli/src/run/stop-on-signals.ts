/** Exit codes of a run stopped by a signal (128 + the signal number, as shells report it). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** The signals that stop a run gracefully. */
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/** Shows the cursor again if a progress bar hid it (a no-op when stderr is not a terminal). */
export function restoreTerminal(): void {
  if (process.stderr.isTTY) process.stderr.write('\x1b[?25h');
}

/**
 * Runs `fn` with SIGINT and SIGTERM routed to `onStop` (which should make the work stop at its
 * next safe point); a second signal exits at once with the signal's code. The handlers are removed
 * when `fn` settles, so the default behaviour returns afterwards.
 */
export async function withStopSignals<T>(onStop: (signal: StopSignal) => void, fn: () => Promise<T>): Promise<T> {
  let received: StopSignal | undefined;
  const handler = (signal: StopSignal) => {
    if (received) {
      restoreTerminal();
      process.stderr.write(`\n${signal} again: exiting at once (the last checkpoint on disk is intact)\n`);
      process.exit(SIGNAL_EXIT_CODES[signal]);
    }
    received = signal;
    onStop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}

/** A run that stopped on a signal after writing its checkpoint; `exitCode` is 130 (SIGINT) or 143 (SIGTERM). */
export class RunInterruptedError extends Error {
  readonly exitCode: number;

  constructor(
    readonly signal: StopSignal,
    message: string,
  ) {
    super(message);
    this.name = 'RunInterruptedError';
    this.exitCode = SIGNAL_EXIT_CODES[signal];
  }
}
