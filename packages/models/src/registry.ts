import { createRegistry } from '@dyrep/core';
import type { ImageModel } from './image-model';
import { MobileNetV1 } from './families/mobilenet-v1';
import { REPVGG_A0_SPEC, RepVgg } from './families/repvgg';
import { RESNET_SPECS, ResNet } from './families/resnet';
import { TorchvisionVgg, VGG16_CONFIG, Vgg } from './families/vgg';
import { BASE_DEFAULTS, STEM_TYPES, resolveOptions, type ModelOptions, type ResolvedModelOptions, type StemType } from './options';

/** Builds a model from validated options. */
export type ModelFactory = (options: ResolvedModelOptions) => ImageModel;

/** Optional metadata of a registration. */
export interface ModelRegistration {
  /** One line on what the model is. */
  description?: string;
  /** Defaults that override the global ones (numClasses 1000, inChannels 3, width 1, stem `imagenet`). */
  defaults?: Partial<Omit<ResolvedModelOptions, 'inputSize'>>;
  /** Stems the factory supports (default both); the default stem is `imagenet` if supported, else the first. */
  stems?: readonly StemType[];
  /** Allows replacing a model of the same name (a built-in one included) instead of throwing. */
  override?: boolean;
}

/** What the registry knows about a model. */
export interface ModelInfo {
  name: string;
  description: string;
  /** Options used when {@link createModel} is given none. */
  defaults: Omit<ResolvedModelOptions, 'inputSize'>;
  stems: readonly StemType[];
  /** True for the models this package ships (and has not been overridden). */
  builtin: boolean;
}

interface Entry {
  factory: ModelFactory;
  description: string;
  defaults: Partial<Omit<ResolvedModelOptions, 'inputSize'>>;
  stems: readonly StemType[];
}

function builtin(factory: ModelFactory, description: string, defaults: Entry['defaults'] = {}, stems: readonly StemType[] = STEM_TYPES): Entry {
  return { factory, description, defaults, stems };
}

/** The models this package ships; consulted by every lookup, so nothing registers on import. */
const BUILTINS: ReadonlyMap<string, Entry> = new Map([
  ['mobilenet_v1', builtin((o) => new MobileNetV1(o), 'MobileNetV1, depthwise-separable (4.23 M params at width 1)')],
  ['repvgg_a0', builtin((o) => new RepVgg(REPVGG_A0_SPEC, o), 'plain RepVGG-A0 layout, 3×3 conv-BN-ReLU only (8.31 M params deployed)')],
  ['resnet18', builtin((o) => new ResNet(RESNET_SPECS.resnet18, o), 'ResNet-18, basic blocks (11.69 M params)')],
  ['resnet34', builtin((o) => new ResNet(RESNET_SPECS.resnet34, o), 'ResNet-34, basic blocks (21.80 M params)')],
  ['resnet50', builtin((o) => new ResNet(RESNET_SPECS.resnet50, o), 'ResNet-50, bottleneck blocks (25.56 M params)')],
  ['vgg16', builtin((o) => new Vgg(VGG16_CONFIG, o), 'CIFAR VGG-16 with BN, one linear classifier (14.72 M params)', { numClasses: 10, stem: 'cifar' }, ['cifar'])],
  ['vgg16_bn', builtin((o) => new TorchvisionVgg(VGG16_CONFIG, o), "torchvision's VGG-16 with BN: conv biases, 7×7 adaptive pool, 4096-4096 classifier (138.37 M params)", {}, ['imagenet'])],
]);

const models = createRegistry<Entry>({
  id: '@dyrep/models:model',
  kind: 'model',
  builtins: BUILTINS,
  names: { pattern: /^[a-z][a-z0-9_]*$/, rule: 'snake_case ([a-z][a-z0-9_]*)' },
});

/**
 * Adds a model to the registry under a snake_case `name` (the shared registry semantics of
 * `@dyrep/core`'s `createRegistry`): throws if the name is taken, unless `override` is set; returns
 * a function that removes this registration again (restoring what it overrode).
 */
export function registerModel(name: string, factory: ModelFactory, registration: ModelRegistration = {}): () => void {
  if (typeof factory !== 'function') throw new Error(`registerModel: factory of '${name}' must be a function`);
  const stems = registration.stems ?? STEM_TYPES;
  if (stems.length === 0 || stems.some((s) => !STEM_TYPES.includes(s))) throw new Error(`registerModel: stems of '${name}' must be a non-empty subset of ${STEM_TYPES.join(', ')}`);
  const defaults = { ...registration.defaults };
  if (defaults.stem === undefined && !stems.includes(BASE_DEFAULTS.stem)) defaults.stem = stems[0];
  const entry: Entry = { factory, description: registration.description ?? '', defaults, stems: [...stems] };
  resolveOptions(name, {}, entry.defaults, entry.stems);
  return models.register(name, entry, { override: registration.override });
}

/**
 * Sorted names of every available model, built-in and registered. `filter` keeps names matching a
 * wildcard pattern (`*` any run of characters, e.g. `resnet*`).
 */
export function listModels(filter?: string): string[] {
  const names = models.list();
  if (filter === undefined) return names;
  const re = new RegExp(
    `^${filter
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return names.filter((n) => re.test(n));
}

/** Description, defaults and supported stems of a model; throws listing the known names if unknown. */
export function getModelInfo(name: string): ModelInfo {
  const e = models.require(name);
  const defaults = resolveOptions(name, {}, e.defaults, e.stems);
  delete defaults.inputSize;
  return { name, description: e.description, defaults, stems: e.stems, builtin: models.isBuiltin(name) };
}

/**
 * Builds a fresh model (training mode, new variables) by registry name. Unset options take the
 * model's defaults; invalid ones, an unsupported stem, an unknown option key, or an `inputSize`
 * below the model's minimum throw a clear error. An unknown name throws listing the known ones.
 */
export function createModel(name: string, options: ModelOptions = {}): ImageModel {
  const e = models.require(name);
  const resolved = resolveOptions(name, options, e.defaults, e.stems);
  const model = e.factory(resolved);
  if (resolved.inputSize !== undefined && resolved.inputSize < model.minInputSize) {
    model.dispose();
    throw new Error(`${name}: inputSize ${resolved.inputSize} is below the model's minimum ${model.minInputSize}`);
  }
  return model;
}
