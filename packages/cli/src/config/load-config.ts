import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TRAIN_OPTION_NAMES, trainConfigSchema, type TrainConfig } from './schema';

/**
 * What the config machinery needs to know about one command's options: the zod schema (every option
 * with its default), and extra spellings accepted in config files (`batch_size`, the DyRep authors'
 * names). `dyrep train`/`bench` and `dyrep detect train` each have one.
 */
export interface ConfigSpec<T extends Record<string, unknown>> {
  /** Strict object schema: defaults filled, unknown keys rejected. */
  schema: z.ZodType<T, Record<string, unknown>>;
  /** Option names, in help order. */
  names: readonly (keyof T & string)[];
  /** Other spellings (lower snake_case) of option names. */
  aliases?: Readonly<Record<string, keyof T & string>>;
}

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
  cut_mode: 'cutMode',
  dbb_variant: 'dbbVariant',
  decay_bias_and_norm: 'decayBiasAndNorm',
};

/** The options of `dyrep train` and `dyrep bench`. */
export const TRAIN_CONFIG: ConfigSpec<TrainConfig> = { schema: trainConfigSchema as never, names: TRAIN_OPTION_NAMES, aliases: AUTHOR_NAMES };

/** Our option name for a key written in camelCase, kebab-case, snake_case or an alias of `spec` (default: train's, with the authors' spellings). */
export function canonicalOptionName<T extends Record<string, unknown>>(key: string, spec: ConfigSpec<T> = TRAIN_CONFIG as never): (keyof T & string) | undefined {
  if ((spec.names as readonly string[]).includes(key)) return key as keyof T & string;
  const snake = key
    .replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
    .replace(/-/g, '_')
    .toLowerCase()
    .replace(/^dyrep_/, '');
  return spec.aliases?.[snake] ?? spec.names.find((n) => n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) === snake);
}

/** The defaults of every option of `spec` (what an empty config resolves to). */
export function configDefaults<T extends Record<string, unknown>>(spec: ConfigSpec<T>): T {
  return resolveConfig(spec);
}

/** Reads a YAML or JSON config file into the option names of `spec` (default: train's), not yet validated. */
export function readConfigFile<T extends Record<string, unknown>>(file: string, spec: ConfigSpec<T> = TRAIN_CONFIG as never): Record<string, unknown> {
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
    const name = canonicalOptionName(key, spec);
    if (!name) throw new ConfigError(`config file '${file}': unknown option '${key}' (known: ${spec.names.join(', ')})`);
    out[name] = value;
  }
  return out;
}

/** `--batch-size` for `batchSize`. */
export function flagName(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Validates a merged option object (file values overridden by flags) against `spec` and fills defaults. Every
 * problem is reported in one {@link ConfigError}, each naming the option, the value and what is allowed.
 */
export function resolveConfig<T extends Record<string, unknown>>(spec: ConfigSpec<T>, ...layers: Record<string, unknown>[]): T {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) for (const [k, v] of Object.entries(layer)) if (v !== undefined) merged[k] = v;
  const parsed = spec.schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, merged, spec.names)).join('\n'));
}

/** {@link resolveConfig} for `dyrep train` / `dyrep bench`. */
export function resolveTrainConfig(...layers: Record<string, unknown>[]): TrainConfig {
  return resolveConfig(TRAIN_CONFIG, ...layers);
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>, names: readonly string[]): string {
  if (issue.code === 'unrecognized_keys') return `unknown option(s) ${issue.keys.map((k) => `'${k}'`).join(', ')} (known: ${names.join(', ')})`;
  const key = String(issue.path[0] ?? '');
  const value = input[key];
  return `option ${flagName(key)} = ${JSON.stringify(value)} is not allowed: ${issue.message}`;
}
