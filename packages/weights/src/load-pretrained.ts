import type { Module } from '@dyrep/nn';
import type { ImageModel } from '@dyrep/models';
import { listRepBlocks } from '@dyrep/rep-blocks';
import { adaptInputConv, adaptNormalization } from './adapt-input-conv';
import { pretrainedArchitecture, type InputNormalization } from './architectures';
import { decodeToFloat32, isFloatDtype } from './dtypes';
import { parseSafetensors, type SafetensorsFile } from './safetensors';
import { fromTorch, layoutOf, torchShape } from './torch-layout';
import { WeightsError } from './weights-error';

/** Options of {@link loadPretrained}. */
export interface LoadPretrainedOptions {
  /** Registry name of the model (selects the name and layout mapping), e.g. `resnet18`. */
  architecture: string;
  /** The file name, for messages (default `pretrained weights`). */
  source?: string;
  /** Keep the model's own classifier and skip the checkpoint's (a different class count). Default false. */
  resetHead?: boolean;
  /** Adapt the checkpoint's stem conv to the model's input channel count (timm's `adapt_input_conv`). Default false. */
  adaptStem?: boolean;
  /**
   * Accept checkpoint tensors the model has no place for (e.g. a detector backbone that dropped
   * the classifier) and report them in `unused` instead of failing. Default false.
   */
  allowUnused?: boolean;
}

/** What {@link loadPretrained} did. */
export interface LoadPretrainedReport {
  /** Model state-dict paths set from the file. */
  loaded: string[];
  /** Model paths left at their initial values because of `resetHead`. */
  reset: string[];
  /** The stem's input channels before and after adaptation, or null. */
  adaptedStem: { from: number; to: number } | null;
  /** File keys not used: BN `num_batches_tracked` counters, the skipped head, `allowUnused` leftovers. */
  unused: string[];
  /** The input normalisation that goes with the weights (the file's `dyrep.normalization` metadata, else the library's default), adapted to the stem. */
  normalization: InputNormalization;
}

/** Metadata key under which exports record their input normalisation (JSON `{mean, std}`). */
export const NORMALIZATION_METADATA_KEY = 'dyrep.normalization';

const LIST_LIMIT = 6;

function listed(items: string[]): string {
  const shown = items.slice(0, LIST_LIMIT).join(', ');
  return items.length > LIST_LIMIT ? `${shown}, … ${items.length - LIST_LIMIT} more` : shown;
}

/**
 * Loads a PyTorch checkpoint (safetensors bytes, or a parsed file) into a plain registry model,
 * in place: names and layouts mapped by the model's {@link PretrainedArchitecture}, F16/BF16
 * widened. Strict: every model tensor must be in the file with the right shape and a float dtype
 * and every file tensor must be used (BN `num_batches_tracked` aside); otherwise ONE
 * {@link WeightsError} names the file and lists the missing, unexpected and mismatched keys, and
 * the model is left untouched. A library whose module structure differs from ours (timm's RepVGG
 * branches) is first rewritten into ours by its `fromCheckpoint`. `resetHead`, `adaptStem` and
 * `allowUnused` relax this.
 */
export function loadPretrained(model: ImageModel | Module, weights: Uint8Array | SafetensorsFile, options: LoadPretrainedOptions): LoadPretrainedReport {
  const source = weights instanceof Uint8Array ? (options.source ?? 'pretrained weights') : weights.source;
  const parsed = weights instanceof Uint8Array ? parseSafetensors(weights, source) : weights;
  const arch = pretrainedArchitecture(options.architecture);
  if (listRepBlocks(model).length) throw new WeightsError(source, 'pretrained weights load into the plain model; this one has rep-blocks already');
  const { file, problems: structural } = arch.fromCheckpoint ? arch.fromCheckpoint(parsed) : { file: parsed, problems: [] };
  const flattened = 'numFeatures' in model ? arch.flattenedInputs(model as ImageModel) : {};
  const inHead = (path: string) => path === arch.head || path.startsWith(`${arch.head}.`);
  const headKey = arch.keyOf(`${arch.head}.weight`);
  const fileHead = headKey.slice(0, headKey.lastIndexOf('.'));
  const inFileHead = (key: string) => key.startsWith(`${fileHead}.`);
  const missing: string[] = [];
  const mismatched: string[] = [];
  const badDtype: string[] = [];
  const reset: string[] = [];
  const used = new Set<string>();
  const plan: { path: string; key: string; shape: number[]; values: Float32Array; layoutPath: string }[] = [];
  let adaptedStem: LoadPretrainedReport['adaptedStem'] = null;
  for (const [path, variable] of Object.entries(model.stateDict())) {
    const dot = path.lastIndexOf('.');
    const modulePath = path.slice(0, dot);
    const leaf = path.slice(dot + 1);
    const key = arch.keyOf(path);
    if (options.resetHead && inHead(modulePath)) {
      reset.push(path);
      continue;
    }
    const layout = layoutOf(model.getModule(modulePath), leaf, flattened[modulePath]);
    const expected = torchShape(variable.shape, layout);
    const entry = file.tensors.get(key);
    if (!entry) {
      missing.push(`${key} [${expected}]`);
      continue;
    }
    used.add(key);
    if (!isFloatDtype(entry.dtype)) {
      badDtype.push(`${key} (${entry.dtype})`);
      continue;
    }
    let values = decodeToFloat32(
      entry.bytes,
      entry.dtype,
      entry.shape.reduce((a, b) => a * b, 1),
    );
    let shape = entry.shape;
    const isStem = modulePath === arch.stem && leaf === 'weight';
    const sameButChannels = shape.length === 4 && shape[0] === expected[0] && shape[2] === expected[2] && shape[3] === expected[3];
    if (isStem && options.adaptStem && sameButChannels && shape[1] !== expected[1]) {
      adaptedStem = { from: shape[1], to: expected[1] };
      ({ values, shape } = adaptInputConv(values, shape, expected[1]));
    }
    if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
      const hint = isStem && sameButChannels ? ' (another input channel count: pass adaptStem / --adapt-stem)' : inHead(modulePath) ? ' (another class count: pass resetHead / --reset-head)' : '';
      mismatched.push(`${key} is [${entry.shape}] in the file, the model needs [${expected}]${hint}`);
      continue;
    }
    plan.push({ path, key, shape, values, layoutPath: modulePath });
  }
  const headKeys = [...file.tensors.keys()].filter((k) => !used.has(k) && options.resetHead && inFileHead(k));
  const leftovers = [...file.tensors.keys()].filter((k) => !used.has(k) && !headKeys.includes(k));
  const counters = leftovers.filter((k) => k.endsWith('.num_batches_tracked'));
  const unexpected = leftovers.filter((k) => !k.endsWith('.num_batches_tracked'));
  const problems: string[] = [];
  if (structural.length) problems.push(`${structural.length} ${arch.counterpart} block(s) unreadable (${listed(structural)})`);
  if (missing.length) problems.push(`${missing.length} missing (${listed(missing)})`);
  if (unexpected.length && !options.allowUnused) problems.push(`${unexpected.length} unexpected (${listed(unexpected)})`);
  if (mismatched.length) problems.push(`${mismatched.length} with another shape (${listed(mismatched)})`);
  if (badDtype.length) problems.push(`${badDtype.length} not float (${listed(badDtype)}; weights must be F32, F16, BF16 or F64)`);
  if (problems.length) throw new WeightsError(source, `does not fit ${arch.model} (${arch.naming} naming, like ${arch.counterpart}): ${problems.join('; ')}`);
  const state = model.stateDict();
  for (const p of plan) {
    const dot = p.path.lastIndexOf('.');
    const layout = layoutOf(model.getModule(p.layoutPath), p.path.slice(dot + 1), flattened[p.layoutPath]);
    const t = fromTorch(p.values, p.shape, layout);
    state[p.path].assign(t);
    t.dispose();
  }
  const inChannels = (model as Partial<ImageModel>).inChannels;
  const normalization = adaptNormalization(readNormalization(file) ?? arch.normalization, adaptedStem?.to ?? inChannels ?? arch.normalization.mean.length);
  return { loaded: plan.map((p) => p.path), reset, adaptedStem, unused: [...headKeys, ...counters, ...(options.allowUnused ? unexpected : [])], normalization };
}

/** The `dyrep.normalization` metadata of a file, or null when it has none; throws on a malformed one. */
export function readNormalization(file: SafetensorsFile): InputNormalization | null {
  const raw = file.metadata[NORMALIZATION_METADATA_KEY];
  if (raw === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new WeightsError(file.source, `metadata '${NORMALIZATION_METADATA_KEY}' is not JSON`);
  }
  const n = parsed as Partial<InputNormalization>;
  const ok = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!ok(n.mean) || !ok(n.std) || n.mean.length !== n.std.length || n.std.some((s) => s <= 0)) {
    throw new WeightsError(file.source, `metadata '${NORMALIZATION_METADATA_KEY}' must be {"mean": [...], "std": [...]} of equal length with std > 0`);
  }
  return { mean: n.mean, std: n.std };
}
