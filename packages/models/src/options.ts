/** Stem variant: `cifar` keeps resolution early (3×3 stride-1 stem), `imagenet` reduces it (7×7/stride-2 stems, max-pool). */
export type StemType = 'cifar' | 'imagenet';

/** Every stem variant, in a stable order. */
export const STEM_TYPES: readonly StemType[] = ['cifar', 'imagenet'];

/** Options of {@link createModel}; unset fields take the model's registered defaults. */
export interface ModelOptions {
  /** Classifier outputs (positive integer). */
  numClasses?: number;
  /** Input channels: 1 for Fashion-MNIST, 3 for RGB (positive integer). */
  inChannels?: number;
  /** Channel multiplier applied to every layer: `max(1, round(c · width))` (finite, > 0). */
  width?: number;
  /** Stem variant; see {@link StemType}. */
  stem?: StemType;
  /** Expected input side length; when given, it is checked against the model's minimum. */
  inputSize?: number;
  /** ResNet only: zero-init γ of the last BN in every residual block (default false). */
  zeroInitResidual?: boolean;
}

/** {@link ModelOptions} with every default filled in and validated; what a factory receives. */
export interface ResolvedModelOptions {
  numClasses: number;
  inChannels: number;
  width: number;
  stem: StemType;
  inputSize?: number;
  zeroInitResidual: boolean;
}

const OPTION_KEYS: readonly (keyof ModelOptions)[] = ['numClasses', 'inChannels', 'width', 'stem', 'inputSize', 'zeroInitResidual'];

/** Fallbacks for options that neither the caller nor the registration sets. */
export const BASE_DEFAULTS: Omit<ResolvedModelOptions, 'inputSize'> = {
  numClasses: 1000,
  inChannels: 3,
  width: 1,
  stem: 'imagenet',
  zeroInitResidual: false,
};

/** Scales a channel count by a width multiplier: `max(1, round(channels · width))`. */
export function scaleChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}

/**
 * Merges `options` over `defaults` and validates every field; throws one error naming the model,
 * the option and the value. `stems` lists the stems the model supports.
 */
export function resolveOptions(model: string, options: ModelOptions, defaults: Partial<ResolvedModelOptions>, stems: readonly StemType[]): ResolvedModelOptions {
  if (options === null || typeof options !== 'object') throw new Error(`${model}: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw new Error(`${model}: unknown option '${key}' (valid options: ${OPTION_KEYS.join(', ')})`);
    }
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ModelOptions;
  const o = { ...BASE_DEFAULTS, ...defaults, ...defined };
  const positiveInt = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${model}: ${name} must be a positive integer, got ${String(v)}`);
  };
  positiveInt('numClasses', o.numClasses);
  positiveInt('inChannels', o.inChannels);
  if (o.inputSize !== undefined) positiveInt('inputSize', o.inputSize);
  if (typeof o.width !== 'number' || !Number.isFinite(o.width) || o.width <= 0) {
    throw new Error(`${model}: width must be a finite number > 0, got ${String(o.width)}`);
  }
  if (!stems.includes(o.stem)) {
    throw new Error(`${model}: stem must be one of ${stems.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(o.stem)}`);
  }
  if (typeof o.zeroInitResidual !== 'boolean') throw new Error(`${model}: zeroInitResidual must be a boolean, got ${String(o.zeroInitResidual)}`);
  return o;
}
