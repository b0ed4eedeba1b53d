import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainConfig } from '../config/schema';
import type { TrainSummary } from './training-run';
import { RunInterruptedError, SIGNAL_EXIT_CODES, type StopSignal } from './stop-on-signals';

/** What the child process is asked to do (passed as JSON on its command line). */
export interface TrainChildRequest {
  config: TrainConfig;
  overwrite: boolean;
  /** `--plugin` module specifiers to import before training (file URLs or package names). */
  plugins: string[];
  logIntervalSeconds?: number;
}

/** Options of {@link trainInChild}. */
export interface TrainInChildOptions {
  overwrite?: boolean;
  plugins?: readonly string[];
  logIntervalSeconds?: number;
}

/**
 * The child's entry file, next to this module: `src/train-child.ts` when running from source,
 * `dist/train-child.js` in the built package (this code is then bundled into `dist/*.js`).
 */
function trainChildEntry(moduleUrl: string = import.meta.url): string {
  return fileURLToPath(moduleUrl.endsWith('.ts') ? new URL('../train-child.ts', moduleUrl) : new URL('./train-child.js', moduleUrl));
}

/**
 * Runs `runTraining(config)` in a fresh Node process (same Node flags as this one, the child
 * entry spawned by file path so the working directory does not matter), so that each run's peak
 * memory and timing are its own; progress goes to this process's stderr. Resolves with the run's
 * `summary.json`.
 */
export function trainInChild(config: TrainConfig, options: TrainInChildOptions = {}): Promise<TrainSummary> {
  const request: TrainChildRequest = {
    config,
    overwrite: Boolean(options.overwrite),
    plugins: [...(options.plugins ?? [])],
    logIntervalSeconds: options.logIntervalSeconds,
  };
  const args = [...process.execArgv, trainChildEntry(), JSON.stringify(request)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    // The child stops gracefully on these signals (checkpoint written); forward them so it never outlives us.
    let received: StopSignal | undefined;
    const forward = (signal: StopSignal) => {
      received ??= signal;
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      if (received || exitCode === SIGNAL_EXIT_CODES.SIGINT || exitCode === SIGNAL_EXIT_CODES.SIGTERM) {
        const signal = received ?? (exitCode === SIGNAL_EXIT_CODES.SIGINT ? 'SIGINT' : 'SIGTERM');
        return reject(new RunInterruptedError(signal, `the '${config.policy}' run was interrupted by ${signal}; resume it with: dyrep train --out ${config.out} --resume`));
      }
      if (exitCode !== 0) return reject(new Error(`the '${config.policy}' run failed (exit code ${exitCode}); see its output above`));
      resolve(JSON.parse(readFileSync(join(config.out, 'summary.json'), 'utf8')) as TrainSummary);
    });
  });
}
