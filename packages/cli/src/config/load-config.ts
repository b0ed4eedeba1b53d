import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TRAIN_OPTION_NAMES, trainConfigSchema, type TrainConfig } from './schema';

/** A user error in a configuration (file or flags): the message names the option, the value and what is allowed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Option names of the DyRep authors' code (and the usual PyTorch training scripts) mapped to
 * ours; keys are compared lower-case with `-` read as `_`, and an optional `dyrep_` prefix dropped.
 */
const AUTHOR_NAMES: Readonly<Record<string, keyof TrainConfig>> = {
  adjust_interval: 'adjustInterval',
  max_adjust_epochs: 'maxAdjustEpochs',
  recal_bn_iters: 'recalBnBatches',
  recal_bn_batches: 'recalBnBatches',
  grow_metric: 'metric',
  metric: 'metric',
  batch_size: 'batchSize',
  weight_decay: 'weightDecay',
  min_lr: 'lrMin',
  lr_min: 'lrMin',
  smoothing: 'labelSmoothing',
  label_smoothing: 'labelSmoothing',
  warmup_epochs: 'warmupEpochs',
  data_dir: 'dataDir',
  train_limit: 'trainLimit',
  test_limit: 'testLimit',
  top_k: 'topK',
  cut_min_std: 'cutMinStd',
  cut_max_weight: 'cutMaxWeight',
  decay_bias_and_norm: 'decayBiasAndNorm',
};

const OUR_NAMES = new Map(TRAIN_OPTION_NAMES.map((n) => [n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), n]));

/** Our option name for a key written in camelCase, kebab-case, snake_case or the authors' spelling. */
export function canonicalOptionName(key: string): keyof TrainConfig | undefined {
  if ((TRAIN_OPTION_NAMES as string[]).includes(key)) return key as keyof TrainConfig;
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/-/g, '_').toLowerCase().replace(/^dyrep_/, '');
  return AUTHOR_NAMES[snake] ?? OUR_NAMES.get(snake);
}

/** Reads a YAML or JSON config file into our option names (not yet validated). */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config file '${file}' is not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config file '${file}' must hold a mapping of options`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = canonicalOptionName(key);
    if (!name) throw new ConfigError(`config file '${file}': unknown option '${key}' (known: ${TRAIN_OPTION_NAMES.join(', ')})`);
    out[name] = value;
  }
  return out;
}

/** `--batch-size` for `batchSize`. */
export function flagName(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Validates a merged option object (file values overridden by flags) and fills defaults. Every
 * problem is reported in one {@link ConfigError}, each naming the option, the value and what is allowed.
 */
export function resolveTrainConfig(...layers: Record<string, unknown>[]): TrainConfig {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) for (const [k, v] of Object.entries(layer)) if (v !== undefined) merged[k] = v;
  const parsed = trainConfigSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, merged)).join('\n'));
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  if (issue.code === 'unrecognized_keys') return `unknown option(s) ${issue.keys.map((k) => `'${k}'`).join(', ')} (known: ${TRAIN_OPTION_NAMES.join(', ')})`;
  const key = String(issue.path[0] ?? '');
  const value = input[key];
  return `option ${flagName(key)} = ${JSON.stringify(value)} is not allowed: ${issue.message}`;
}
