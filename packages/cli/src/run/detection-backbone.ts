import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '@dyrep/nn';
import { createModel, type ImageModel } from '@dyrep/models';
import { adaptInputKernel, loadPretrained } from '@dyrep/weights';
import { readFileSync } from 'node:fs';
import { applyArchitecture, describeArchitecture, fuseModel } from '@dyrep/rep-blocks';
import { traceGraph } from '@dyrep/exporter';
import { ConfigError } from '../config/load-config';
import { loadCheckpointModel } from './checkpoint-model';

/** A classification model of a `dyrep train` run, ready to become a detector's backbone. */
export interface TransferredBackbone {
  /** The run's model (grown structure, or fused); the detector drops its classifier and deeper stages. */
  model: ImageModel;
  /** Registry name and options that rebuild its plain architecture. */
  architecture: { backbone: string; backboneOptions: { width: number; stem: 'cifar' | 'imagenet'; inChannels: number } };
  /** The run's input normalisation, repeated over the channels when they were inflated; null if it had none. */
  normalization: { mean: number[]; std: number[] } | null;
  /** Convs whose input channels were inflated from grey to RGB. */
  inflated: string[];
}

/**
 * Loads a detector backbone: a `FILE.safetensors` PyTorch checkpoint through `@dyrep/weights`
 * ({@link loadSafetensorsBackbone}), or the model of a `dyrep train` run directory or checkpoint: its grown
 * structure kept (`grown`) or fused into plain convs first (`fused`). A grey run used on RGB data has
 * every conv that reads the image inflated from 1 to 3 input channels with weights `w / 3` (timm's
 * `adapt_input_conv`), so a grey picture given as RGB yields exactly the run's features; any other
 * channel mismatch is an error.
 */
export function loadBackbone(path: string, o: { structure: 'grown' | 'fused'; channels: number; model: string; width: number; stem: 'cifar' | 'imagenet' }): TransferredBackbone {
  return path.toLowerCase().endsWith('.safetensors') ? loadSafetensorsBackbone(path, o) : loadRunBackbone(path, o.structure, o.channels);
}

/**
 * A plain registry backbone (`model`, `width`, `stem`) with the weights of a PyTorch checkpoint
 * (safetensors) mapped by `@dyrep/weights`: the checkpoint's classifier is skipped by name, its stem
 * adapted to `channels` (timm's `adapt_input_conv`), and anything else that does not match is one
 * error naming the file and the keys.
 */
function loadSafetensorsBackbone(file: string, o: { channels: number; model: string; width: number; stem: 'cifar' | 'imagenet' }): TransferredBackbone {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new ConfigError(`--backbone: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const model = createModel(o.model, { width: o.width, stem: o.stem, inChannels: o.channels, numClasses: 1 }) as ImageModel;
  try {
    const report = loadPretrained(model, bytes, { architecture: o.model, source: file, resetHead: true, adaptStem: true });
    return {
      model,
      architecture: { backbone: o.model, backboneOptions: { width: o.width, stem: o.stem, inChannels: o.channels } },
      normalization: { mean: [...report.normalization.mean], std: [...report.normalization.std] },
      inflated: report.adaptedStem ? [`stem (${report.adaptedStem.from} → ${report.adaptedStem.to} channels)`] : [],
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** {@link loadBackbone} from a `dyrep train` run directory or checkpoint file. */
export function loadRunBackbone(path: string, structure: 'grown' | 'fused', channels: number): TransferredBackbone {
  const loaded = loadCheckpointModel(path);
  let model = loaded.model as ImageModel;
  try {
    if (typeof model.forwardFeatures !== 'function') throw new ConfigError(`--backbone '${path}': model '${loaded.config.model}' has no feature stages to detect from`);
    if (structure === 'fused') fuseModel(model, { inPlace: true });
    const source = loaded.inputShape[2];
    let inflated: string[] = [];
    let normalization = loaded.normalization;
    if (source !== channels) {
      if (!(source === 1 && channels === 3)) {
        throw new ConfigError(
          `--backbone '${path}' was trained on ${source}-channel images but the detection data has ${channels}; only grey→RGB can be adapted (pass --channels ${source} to convert the images instead)`,
        );
      }
      const wide = inflateInput(model, loaded.config.model, [1, loaded.inputShape[0], loaded.inputShape[1], 1], 3);
      model.dispose();
      model = wide.model;
      inflated = wide.paths;
      if (normalization) normalization = { mean: [0, 1, 2].map(() => normalization!.mean[0]), std: [0, 1, 2].map(() => normalization!.std[0]) };
    }
    return {
      model,
      architecture: { backbone: loaded.config.model, backboneOptions: { width: loaded.config.width, stem: loaded.config.stem, inChannels: channels } },
      normalization,
      inflated,
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The same trained model (structure and weights) taking `channels` input channels: every conv that
 * reads the model input (found by tracing one forward pass) gets weights `w / channels` repeated over
 * the new channels; a fresh registry model with that input is given the structure and the weights.
 * Throws if anything other than a plain conv reads the input, since it could not be adapted exactly.
 * `model` is left untouched (the caller disposes it).
 */
function inflateInput(model: ImageModel, name: string, inputShape: number[], channels: number): { model: ImageModel; paths: string[] } {
  const graph = traceGraph(model, inputShape);
  const readers = graph.moduleCalls.filter((c) => c.input === graph.input && c.module.namedChildren().length === 0);
  const other = readers.find((c) => !(c.module instanceof Conv2d) || c.module.groups !== 1);
  if (other) throw new ConfigError(`--backbone: '${other.path}' reads the image directly and is not a plain conv, so its input channels cannot be adapted`);
  const paths = [...new Set(readers.map((c) => c.path))];
  const wide = createModel(name, { ...model.options, inChannels: channels });
  const state: Record<string, tf.Tensor> = { ...model.stateDict() };
  const made: tf.Tensor[] = paths.map((p) => adaptInputKernel(state[`${p}.weight`], channels));
  paths.forEach((p, i) => (state[`${p}.weight`] = made[i]));
  try {
    applyArchitecture(wide, describeArchitecture(model));
    made.push(...widenInnerChannels(state, wide.stateDict(), paths));
    wide.loadStateDict(state);
  } catch (e) {
    wide.dispose();
    throw e;
  } finally {
    tf.dispose(made);
  }
  return { model: wide, paths };
}

/**
 * A `1x1_kxk` branch whose 1×1 conv reads the image is `cin`→`cin` (spec §2), so inflating the
 * image from 1 to 3 channels also widens its inner channels from 1 to 3. The grown model's tensors
 * of that branch are zero-padded to the wider shapes (running variances with 1): the new inner
 * channels get no input weights and no output weights, so the branch computes what it computed.
 * Replaces the entries of `state` in place and returns the new tensors (the caller disposes them).
 */
function widenInnerChannels(state: Record<string, tf.Tensor>, expected: Record<string, tf.Tensor>, readers: string[]): tf.Tensor[] {
  const branches = readers.filter((p) => p.endsWith('.1x1_kxk.conv1')).map((p) => p.slice(0, -'conv1'.length));
  const made: tf.Tensor[] = [];
  for (const [key, tensor] of Object.entries(state)) {
    const want = expected[key]?.shape;
    if (!want || !branches.some((b) => key.startsWith(b)) || want.join() === tensor.shape.join()) continue;
    if (want.length !== tensor.shape.length || want.some((d, i) => d < tensor.shape[i])) continue; // loadStateDict reports it
    const padded = tf.tidy(() => {
      const fill = key.endsWith('.running_var') ? 1 : 0;
      return tf
        .pad(
          tf.sub(tensor, fill),
          tensor.shape.map((d, i) => [0, want[i] - d] as [number, number]),
        )
        .add(fill);
    });
    state[key] = padded;
    made.push(padded);
  }
  return made;
}
