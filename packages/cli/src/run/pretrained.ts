import * as tf from '@tensorflow/tfjs-core';
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { Conv2d, Linear, type Module } from '@dyrep/nn';
import { createModel, type ImageModel } from '@dyrep/models';
import { restoreModel, disposeCheckpoint } from '@dyrep/trainer';
import { readCheckpoint } from '@dyrep/trainer/node';
import { adaptInputKernel, adaptNormalization, loadPretrained, parseSafetensors, pretrainedArchitecture, toTorchSafetensors, type InputNormalization } from '@dyrep/weights';
import { ConfigError, resolveTrainConfig } from '../config/load-config';
import type { TrainConfig } from '../config/schema';
import { resolveCheckpointPath } from './checkpoint-model';

/** What `--pretrained` put into the model. */
export interface PretrainedStart {
  /** One line for the log. */
  description: string;
  /** The input normalisation the weights expect (used by the loaders, stored in the run, embedded in exports). */
  normalization: InputNormalization | null;
}

/** Fails fast, before any data is read, on weights options that cannot work with the config. */
export function checkWeightsOptions(config: TrainConfig): void {
  if (config.export.includes('safetensors')) pretrainedArchitecture(config.model);
  if (config.pretrained === undefined) return;
  if (!existsSync(config.pretrained)) throw new ConfigError(`--pretrained '${config.pretrained}': no such file or directory`);
  if (!isDyrepRun(config.pretrained)) pretrainedArchitecture(config.model);
}

/** True for a run directory or a `dyrep train` checkpoint (magic `DYREPCK…`); else the file is taken as safetensors. */
function isDyrepRun(path: string): boolean {
  if (statSync(path).isDirectory()) return true;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(8);
    return readSync(fd, head, 0, 8, 0) === 8 && head.toString('latin1').startsWith('DYREPCK');
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads `config.pretrained` into the freshly built plain `model`: a safetensors checkpoint in the
 * model's PyTorch naming (torchvision or timm), or a `dyrep train` run/checkpoint whose grown structure is
 * rebuilt on the model first. `resetHead` keeps the model's classifier, `adaptStem` adapts the
 * stem to the model's input channels. Every mismatch is one line naming the file.
 */
export function applyPretrained(model: ImageModel, config: TrainConfig): PretrainedStart {
  const path = config.pretrained!;
  if (!isDyrepRun(path)) {
    const report = loadPretrained(model, parseSafetensors(new Uint8Array(readFileSync(path)), path), {
      architecture: config.model,
      source: path,
      resetHead: config.resetHead,
      adaptStem: config.adaptStem,
    });
    const notes = [report.reset.length ? 'classifier reset' : '', report.adaptedStem ? `stem adapted ${report.adaptedStem.from} → ${report.adaptedStem.to} channels` : ''].filter(Boolean);
    return {
      description: `pretrained: ${path} (${report.loaded.length} tensors${notes.length ? `; ${notes.join('; ')}` : ''})`,
      normalization: report.normalization,
    };
  }
  return fromRun(model, config, resolveCheckpointPath(path));
}

function fromRun(model: ImageModel, config: TrainConfig, file: string): PretrainedStart {
  const ckpt = readCheckpoint(file);
  const owned: tf.Tensor[] = [];
  try {
    const meta = ckpt.meta.meta as { config?: Record<string, unknown>; normalization?: InputNormalization | null };
    if (!meta.config) throw new ConfigError(`--pretrained '${file}' was not written by 'dyrep train' (no run configuration in it)`);
    const source = resolveTrainConfig(meta.config);
    if (source.model !== config.model || source.width !== config.width || source.stem !== config.stem) {
      throw new ConfigError(`--pretrained '${file}' is a ${describe(source)} run; this run is ${describe(config)}: --model, --width and --stem must match`);
    }
    const headPath = lastOf(model, Linear);
    const stemPath = firstOf(model, Conv2d);
    const state = { ...ckpt.model };
    const own = model.stateDict();
    for (const leaf of ['weight', 'bias']) {
      const key = `${headPath}.${leaf}`;
      if (!(key in own)) continue;
      const differs = !state[key] || !sameShape(state[key].shape, own[key].shape);
      if (differs && !config.resetHead) {
        throw new ConfigError(`--pretrained '${file}': its classifier '${key}' is [${state[key]?.shape}], this run needs [${own[key].shape}] (another class count): pass --reset-head`);
      }
      if (config.resetHead) state[key] = own[key];
    }
    const stemKey = `${stemPath}.weight`;
    const stemWeight = state[stemKey];
    let channels: { from: number; to: number } | null = null;
    if (!stemWeight) {
      const from = inChannelsOf(ckpt);
      if (from !== undefined && from !== own[stemKey].shape[2]) {
        throw new ConfigError(`--pretrained '${file}': its stem '${stemPath}' was grown into a rep-block; --adapt-stem needs a plain stem`);
      }
    } else if (stemWeight.shape[2] !== own[stemKey].shape[2]) {
      if (!config.adaptStem) {
        throw new ConfigError(`--pretrained '${file}': its stem '${stemKey}' takes ${stemWeight.shape[2]} input channels, this run's data has ${own[stemKey].shape[2]}: pass --adapt-stem`);
      }
      const to = own[stemKey].shape[2] as number;
      channels = { from: stemWeight.shape[2] as number, to };
      const adapted = adaptInputKernel(stemWeight, to);
      owned.push(adapted);
      state[stemKey] = adapted;
    }
    restoreModel(model, { ...ckpt, model: state }, `--pretrained '${file}'`);
    const blocks = ckpt.meta.structure.length;
    const normalization = meta.normalization ? adaptNormalization(meta.normalization, channels?.to ?? meta.normalization.mean.length) : null;
    const notes = [blocks ? `${blocks} grown block(s) kept` : 'plain', config.resetHead ? 'classifier reset' : '', channels ? `stem adapted ${channels.from} → ${channels.to} channels` : ''].filter(
      Boolean,
    );
    return { description: `pretrained: run checkpoint ${file} (${notes.join('; ')})`, normalization };
  } finally {
    tf.dispose(owned);
    disposeCheckpoint(ckpt);
  }
}

function describe(c: Pick<TrainConfig, 'model' | 'width' | 'stem'>): string {
  return `${c.model} (width ${c.width}, ${c.stem} stem)`;
}

function inChannelsOf(ckpt: { meta: { meta: unknown } }): number | undefined {
  return (ckpt.meta.meta as { inputShape?: number[] }).inputShape?.[2];
}

function firstOf(model: Module, kind: typeof Conv2d | typeof Linear): string {
  const hit = model.namedModules().find(([, m]) => m instanceof kind);
  if (!hit) throw new Error(`the model has no ${kind.name}`);
  return hit[0];
}

function lastOf(model: Module, kind: typeof Conv2d | typeof Linear): string {
  const hits = model.namedModules().filter(([, m]) => m instanceof kind);
  if (!hits.length) throw new Error(`the model has no ${kind.name}`);
  return hits[hits.length - 1][0];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The safetensors export (torchvision or timm layout) of a deployed model, with the run's input shape and normalisation in its metadata. */
export function torchSafetensorsOf(deployed: Module, architecture: string, data: { inputShape: readonly number[]; normalization: InputNormalization | null }): Uint8Array {
  return toTorchSafetensors(deployed, {
    architecture,
    normalization: data.normalization ?? undefined,
    metadata: { 'dyrep.input-shape': JSON.stringify(data.inputShape) },
  });
}

/** Options of {@link openPretrained}: what `dyrep export --pretrained` is told about the checkpoint. */
export interface OpenPretrainedOptions {
  file: string;
  model: string;
  width: number;
  stem: 'cifar' | 'imagenet';
  /** Input channels; when it differs from the file's stem, the stem is adapted. Default: the file's. */
  inChannels?: number;
  /** Default: the file's classifier outputs. */
  numClasses?: number;
  /** Input side length (default 224). */
  inputSize: number;
}

/** A registry model holding a PyTorch checkpoint's weights, ready to deploy and export. */
export interface PretrainedModel {
  model: ImageModel;
  inputShape: [number, number, number];
  classNames: string[];
  normalization: InputNormalization;
  description: string;
}

/** Builds `options.model` and loads the safetensors checkpoint `options.file` into it (strict). */
export function openPretrained(options: OpenPretrainedOptions): PretrainedModel {
  if (!existsSync(options.file)) throw new ConfigError(`--pretrained '${options.file}': no such file`);
  const arch = pretrainedArchitecture(options.model);
  const raw = parseSafetensors(new Uint8Array(readFileSync(options.file)), options.file);
  const file = arch.fromCheckpoint ? arch.fromCheckpoint(raw).file : raw; // class and channel counts, read in our layout
  const head = file.tensors.get(arch.keyOf(`${arch.head}.weight`));
  const stem = file.tensors.get(arch.keyOf(`${arch.stem}.weight`));
  const numClasses = options.numClasses ?? head?.shape[0];
  const inChannels = options.inChannels ?? stem?.shape[1];
  if (numClasses === undefined || inChannels === undefined) {
    throw new ConfigError(`--pretrained '${options.file}': no '${arch.keyOf(`${arch.head}.weight`)}' or '${arch.keyOf(`${arch.stem}.weight`)}' in it, so it is not a ${arch.counterpart} checkpoint`);
  }
  const model = createModel(options.model, { width: options.width, stem: options.stem, numClasses, inChannels, inputSize: options.inputSize }) as ImageModel;
  try {
    const report = loadPretrained(model, raw, { architecture: options.model, adaptStem: stem !== undefined && stem.shape[1] !== inChannels });
    model.eval();
    return {
      model,
      inputShape: [options.inputSize, options.inputSize, inChannels],
      classNames: Array.from({ length: numClasses }, (_, i) => `class_${i}`),
      normalization: report.normalization,
      description: `${options.model} (width ${options.width}, ${options.stem} stem) converted from ${options.file}`,
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
