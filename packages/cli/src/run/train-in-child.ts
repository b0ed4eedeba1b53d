import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../config/schema';
import type { TrainSummary } from './training-run';

/**
 * Runs `runTraining(config)` in a fresh Node process (same Node flags as this one), so that each
 * run's peak memory and timing are its own; progress goes to this process's stderr. Resolves with
 * the run's `summary.json`.
 */
export function trainInChild(config: TrainConfig, options: { overwrite?: boolean } = {}): Promise<TrainSummary> {
  const code = `
    import { runTraining } from '@dyrep/cli';
    const [config, overwrite] = JSON.parse(process.argv[1]);
    await runTraining(config, { overwrite });
  `;
  const args = [...process.execArgv, '--input-type=module', '-e', code, JSON.stringify([config, Boolean(options.overwrite)])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      if (exitCode !== 0) return reject(new Error(`the '${config.policy}' run failed (exit code ${exitCode}); see its output above`));
      resolve(JSON.parse(readFileSync(join(config.out, 'summary.json'), 'utf8')) as TrainSummary);
    });
  });
}
