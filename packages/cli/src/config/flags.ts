import { Option, type Command } from 'commander';
import { TRAIN_OPTION_NAMES, type TrainConfig } from './schema';
import { ConfigError, TRAIN_CONFIG, configDefaults, flagName, type ConfigSpec } from './load-config';

/** How a flag's text is parsed: `toggle` is a boolean that also has a `--no-…` form; `ints` a comma-separated list of integers. */
type FlagKind = 'int' | 'number' | 'string' | 'bool' | 'toggle' | 'list' | 'ints';

/** Per option of a config: how it is typed on the command line, with its help text. */
export type FlagTable<T> = Record<keyof T & string, [FlagKind, string]>;

/** How each train option is typed on the command line, with its help text. */
const FLAGS: FlagTable<TrainConfig> = {
  model: ['string', 'model name from the registry (resnet18, resnet34, resnet50, vgg16, vgg16_bn, mobilenet_v1, repvgg_a0)'],
  width: ['number', 'channel width multiplier'],
  stem: ['string', 'cifar (3×3) or imagenet (7×7 + max-pool) stem'],
  dataset: ['string', 'fashion-mnist, mnist, cifar10, cifar100, image-folder, synthetic'],
  dataDir: ['string', 'directory holding the dataset files'],
  trainLimit: ['int', 'use only the first N training examples'],
  testLimit: ['int', 'use only the first N test examples'],
  augment: ['toggle', 'standard augmentation of the dataset'],
  epochs: ['int', 'number of epochs'],
  batchSize: ['int', 'examples per batch'],
  lr: ['number', 'base learning rate (cosine decay)'],
  lrMin: ['number', 'floor of the cosine schedule'],
  warmupEpochs: ['int', 'linear warm-up epochs'],
  momentum: ['number', 'SGD momentum'],
  nesterov: ['bool', 'Nesterov momentum'],
  weightDecay: ['number', 'L2 weight decay'],
  decayBiasAndNorm: ['toggle', 'apply weight decay to biases and BN parameters too'],
  labelSmoothing: ['number', 'label smoothing ε'],
  policy: ['string', 'none, dbb, repvgg, acb or dyrep'],
  metric: ['string', 'saliency metric: synflow, snip, grad_norm, random'],
  adjustInterval: ['int', 'epochs between structure adjustments (dyrep)'],
  maxAdjustEpochs: ['int', 'adjust only before this epoch (dyrep)'],
  topK: ['int', 'convs grown per adjustment (dyrep)'],
  recalBnBatches: ['int', 'batches to recalibrate BN of grown blocks (dyrep)'],
  cutMinStd: ['number', 'cut only when branch weights spread more than this (dyrep)'],
  cutMaxWeight: ['number', 'cut branches whose weight is below this and the mean (dyrep)'],
  cutMode: ['string', "cut: fold (ours, keeps kxk's BN and nested block) or reset (the authors': kxk BN reset, nested block re-initialised) (dyrep)"],
  dbbVariant: ['string', 'static DBB: preserving (ours, every square k>1 conv, function-preserving) or authors (3x3 only, fresh init) (dbb)'],
  backend: ['string', 'auto, tensorflow, wasm or cpu'],
  seed: ['int', 'random seed'],
  out: ['string', 'output directory'],
  resume: ['bool', 'continue the run in --out from its checkpoint'],
  export: ['list', 'export formats after training: tfjs,onnx,safetensors (empty for none; safetensors = torchvision/timm layout)'],
  pretrained: ['string', 'initial weights: a PyTorch .safetensors checkpoint (torchvision or timm naming) or a dyrep run directory/checkpoint'],
  resetHead: ['bool', 'with --pretrained: keep a fresh classifier (another class count)'],
  adaptStem: ['bool', "with --pretrained: adapt the stem conv to the data's input channels (timm's adapt_input_conv)"],
};

function parse(kind: FlagKind, name: string, raw: string): unknown {
  switch (kind) {
    case 'ints':
      return raw.split(',').map((part) => parse('int', name, part.trim()));
    case 'int':
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v) || (kind === 'int' && !Number.isInteger(v))) {
        throw new ConfigError(`option ${flagName(name)} = ${JSON.stringify(raw)} is not allowed: expected ${kind === 'int' ? 'an integer' : 'a number'}`);
      }
      return v;
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

/**
 * Adds the options `only` of `spec` as flags (`--batch-size`, `--no-augment`, …), their help ending
 * with the schema's default (or the command's own, `shownDefaults`, e.g. bench's `out`). Commander
 * gets no defaults, so flags left out do not override a config file.
 */
export function addFlags<T extends Record<string, unknown>>(
  cmd: Command,
  spec: ConfigSpec<T>,
  table: FlagTable<T>,
  only: readonly (keyof T & string)[] = spec.names,
  shownDefaults: Partial<T> = {},
): Command {
  const defaults: Partial<T> = { ...configDefaults(spec), ...shownDefaults };
  for (const name of only) {
    const [kind, help] = table[name];
    const flag = flagName(name);
    const value = defaults[name];
    const text = value === undefined ? help : `${help} (default: ${Array.isArray(value) ? value.join(',') || '""' : typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value)})`;
    if (kind === 'bool' || kind === 'toggle') {
      cmd.addOption(new Option(flag, text));
      if (kind === 'toggle') cmd.addOption(new Option(`--no-${flag.slice(2)}`, `disable: ${help}`));
    } else {
      cmd.addOption(new Option(`${flag} <value>`, text));
    }
  }
  return cmd;
}

/** The options `only` of `table` given on the command line, parsed to their types (absent ones omitted). */
export function readFlags<T extends Record<string, unknown>>(
  opts: Record<string, unknown>,
  table: FlagTable<T>,
  only: readonly (keyof T & string)[] = Object.keys(table) as (keyof T & string)[],
): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const name of only) {
    const v = opts[name];
    if (v === undefined) continue;
    const [kind] = table[name];
    out[name] = typeof v === 'string' ? parse(kind, name, v) : v;
  }
  return out as Partial<T>;
}

/** Adds every train option as a flag (see {@link addFlags}). */
export function addTrainFlags(cmd: Command, only: readonly (keyof TrainConfig)[] = TRAIN_OPTION_NAMES, shownDefaults: Partial<TrainConfig> = {}): Command {
  return addFlags(cmd, TRAIN_CONFIG, FLAGS, only, shownDefaults);
}

/** The train options given on the command line (see {@link readFlags}). */
export function trainFlags(opts: Record<string, unknown>, only: readonly (keyof TrainConfig)[] = TRAIN_OPTION_NAMES): Partial<TrainConfig> {
  return readFlags(opts, FLAGS, only);
}
