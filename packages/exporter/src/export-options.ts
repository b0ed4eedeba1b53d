import { describeNonFinite, findNonFinite, type Module } from '@dyrep/nn';
import { inferInputShape } from './internal/input-shape';
import { EXPORTER_VERSION } from './version';

/** Per-channel input normalisation `(x − mean) / std`, applied inside the exported model. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** Options shared by {@link exportTfjs} and {@link exportOnnx}. */
export interface ExportOptions {
  /** Input `[H, W, C]` (no batch); inferred for image models (`options.inputSize`, else 32). */
  inputSize?: [number, number, number];
  /**
   * Normalisation the model was trained with; the exported model takes raw float32 input in
   * [0, 1] and applies it as its first operation. Default: none (mean 0, std 1).
   */
  normalization?: Normalization;
  /** Class names, one per output (default `class_0`, `class_1`, …). */
  classNames?: string[];
  /** The architecture the model came from (default: class name and options, e.g. `ResNet {"width":0.25,…}`). */
  architecture?: string;
  /** Replace an existing export at the target path (default false: refuse). */
  overwrite?: boolean;
}

/** Metadata stored in model.json `userDefinedMetadata.dyrep` and ONNX `metadata_props`. */
export interface ExportMetadata {
  /** Producer package and version, e.g. `@dyrep/exporter@0.1.0`. */
  producer: string;
  architecture: string;
  /** Input `[H, W, C]`. */
  inputSize: [number, number, number];
  /** Tensor layout of the input: `NHWC` (tfjs) or `NCHW` (ONNX). */
  inputLayout: 'NHWC' | 'NCHW';
  /** Range of the raw input values the model expects. */
  inputRange: [number, number];
  normalization: Normalization;
  classNames: string[];
}

/** Resolved export settings: the traced input shape (batch 2) and the metadata. */
export interface ResolvedExport {
  traceShape: number[];
  metadata: ExportMetadata;
}

/** Validates options and builds the metadata of an export of `model`; a model with NaN/Infinity weights (a diverged run) is refused. */
export function resolveExport(model: Module, options: ExportOptions, layout: 'NHWC' | 'NCHW', fn: string): ResolvedExport {
  const nonFinite = findNonFinite(Object.entries(model.stateDict()));
  if (nonFinite) throw new Error(`${fn}: the model has ${describeNonFinite(nonFinite)}, so its outputs would be NaN; refusing to export a diverged model`);
  const shape = inferInputShape(model, options.inputSize ? [2, ...options.inputSize] : undefined, 2);
  if (!shape) throw new Error(`${fn}: cannot infer the input size of this model; pass inputSize [H, W, C]`);
  const channels = shape[3];
  const normalization = options.normalization ?? { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) };
  for (const key of ['mean', 'std'] as const) {
    const v = normalization[key];
    if (!Array.isArray(v) || v.length !== channels || v.some((x) => !Number.isFinite(x))) {
      throw new Error(`${fn}: normalization.${key} must be ${channels} finite numbers, got ${JSON.stringify(v)}`);
    }
  }
  if (normalization.std.some((s) => s === 0)) throw new Error(`${fn}: normalization.std must not contain 0`);
  const m = model as Module & { options?: unknown };
  const architecture = options.architecture ?? `${model.constructor.name}${m.options && typeof m.options === 'object' ? ` ${JSON.stringify(m.options)}` : ''}`;
  return {
    traceShape: shape,
    metadata: {
      producer: `@dyrep/exporter@${EXPORTER_VERSION}`,
      architecture,
      inputSize: [shape[1], shape[2], channels],
      inputLayout: layout,
      inputRange: [0, 1],
      normalization: { mean: [...normalization.mean], std: [...normalization.std] },
      classNames: options.classNames ? [...options.classNames] : [],
    },
  };
}

/** True when the normalisation is the identity. */
export function isIdentityNormalization(n: Normalization): boolean {
  return n.mean.every((v) => v === 0) && n.std.every((v) => v === 1);
}
