import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import type { CheckpointMeta } from '@dyrep/trainer';
import { readCheckpointMeta } from '@dyrep/trainer/node';
import { TRAIN_OPTION_NAMES, type TrainConfig } from './schema';
import { ConfigError, flagName, resolveTrainConfig } from './load-config';

/**
 * What may differ when a run is resumed: more (or fewer, but not fewer than done) epochs, the
 * backend, and the export formats. Everything else defines the experiment and is taken from the
 * checkpoint. With another `epochs` the cosine schedule is that of a run of the new length: each
 * remaining step gets the LR a run started with those epochs would use at that step (so a finished
 * run given more epochs continues with a warm restart from that point of the longer cosine).
 */
const RESUMABLE_OPTIONS: readonly (keyof TrainConfig)[] = ['epochs', 'backend', 'export', 'out', 'resume'];

/** Path of the checkpoint of the run in `out`. */
export function runCheckpoint(out: string): string {
  return join(out, 'checkpoint', 'last.ckpt');
}

/**
 * The configuration of `--resume`: the one saved in the run's checkpoint, with the options of
 * {@link RESUMABLE_OPTIONS} taken from `given` (the explicit flags and config-file values). Any
 * other given option that differs from the saved value is refused in one line.
 */
export function resumeConfig(given: Partial<TrainConfig>): TrainConfig {
  const out = given.out ?? resolveTrainConfig({}).out;
  const file = runCheckpoint(out);
  let meta: CheckpointMeta;
  try {
    meta = readCheckpointMeta(file);
  } catch (e) {
    throw new ConfigError(`--resume: ${(e as Error).message}`);
  }
  const saved = (meta.meta as { config?: TrainConfig }).config;
  if (!saved || typeof saved !== 'object') throw new ConfigError(`--resume: '${file}' holds no saved configuration (it was not written by dyrep train)`);
  const changed = TRAIN_OPTION_NAMES.filter((k) => !RESUMABLE_OPTIONS.includes(k) && given[k] !== undefined && !isDeepStrictEqual(given[k], saved[k]));
  if (changed.length) {
    const what = changed.map((k) => `${flagName(k)} ${JSON.stringify(given[k])} (the run has ${JSON.stringify(saved[k])})`).join(', ');
    throw new ConfigError(
      `--resume continues the experiment saved in '${file}': ${what} would change it; only ${RESUMABLE_OPTIONS.slice(0, 3).map(flagName).join(', ')} may differ (start a new run with another --out)`,
    );
  }
  const config = resolveTrainConfig(saved, Object.fromEntries(RESUMABLE_OPTIONS.filter((k) => given[k] !== undefined).map((k) => [k, given[k]])), { out, resume: true });
  if (config.epochs < meta.epoch) throw new ConfigError(`--resume: --epochs ${config.epochs} is fewer than the ${meta.epoch} epochs the run in '${out}' has done`);
  return config;
}
