import { z } from 'zod';
import type { ConfigSpec } from './load-config';
import type { FlagTable } from './flags';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** Every option of `dyrep detect train`, with its default. */
export const detectConfigSchema = z
  .object({
    trainAnn: z.string().min(1).optional(),
    trainImages: z.string().min(1).optional(),
    valAnn: z.string().min(1).optional(),
    valImages: z.string().min(1).optional(),
    dataDir: z.string().min(1).optional(),
    generate: z.array(positiveInt).length(2, 'expected two counts, train,val').default([600, 150]),
    canvas: positiveInt.min(16).default(96),
    color: z.enum(['gray', 'rgb']).default('gray'),
    channels: z.union([z.literal(1), z.literal(3)]).optional(),
    inputSize: positiveInt.min(16).optional(),
    model: z.string().min(1).default('resnet18'),
    width: z.number().positive().max(4).default(0.125),
    stem: z.enum(['cifar', 'imagenet']).default('imagenet'),
    neckChannels: positiveInt.default(32),
    backbone: z.string().min(1).optional(),
    backboneStructure: z.enum(['grown', 'fused']).default('grown'),
    freezeBackboneEpochs: nonNegativeInt.default(0),
    epochs: positiveInt.default(16),
    batchSize: positiveInt.max(1024).default(16),
    lr: z.number().positive().max(10).default(0.1),
    lrMin: z.number().nonnegative().default(1e-4),
    warmupEpochs: nonNegativeInt.default(2),
    policy: z.enum(['dyrep', 'none']).default('dyrep'),
    adjustInterval: positiveInt.default(2),
    cacheImages: positiveInt.default(512),
    prefetch: nonNegativeInt.default(2),
    seed: nonNegativeInt.default(0),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    out: z.string().min(1).default('runs/detect'),
    resume: z.boolean().default(false),
  })
  .strict();

/** A validated, fully defaulted `dyrep detect train` configuration. */
export type DetectConfig = z.infer<typeof detectConfigSchema>;

/** The options of `dyrep detect train` for the shared config machinery. */
export const DETECT_CONFIG: ConfigSpec<DetectConfig> = {
  schema: detectConfigSchema as never,
  names: Object.keys(detectConfigSchema.shape) as (keyof DetectConfig)[],
  aliases: { batch_size: 'batchSize', data_dir: 'dataDir', input_size: 'inputSize', min_lr: 'lrMin', warmup_epochs: 'warmupEpochs', adjust_interval: 'adjustInterval' },
};

/** How each `dyrep detect train` option is typed on the command line, with its help text. */
export const DETECT_FLAGS: FlagTable<DetectConfig> = {
  trainAnn: ['string', 'COCO instances JSON of the training split (COCO layout, e.g. annotations/instances_train2017.json)'],
  trainImages: ['string', 'directory the training file_names are relative to (e.g. train2017/)'],
  valAnn: ['string', 'COCO instances JSON of the validation split'],
  valImages: ['string', 'directory of the validation images'],
  dataDir: ['string', 'a set laid out as {train,val}/annotations.json + images/ (instead of the four COCO-layout flags); default: generate one'],
  generate: ['ints', 'canvases to generate for train,val when no data is given'],
  canvas: ['int', 'generated canvas size'],
  color: ['string', 'generated canvases: gray, or rgb (tinted items on textured colour backgrounds)'],
  channels: ['int', 'image channels fed to the detector, 1 or 3 (default: from the images)'],
  inputSize: ['int', 'letterbox every image into S×S (keep aspect, pad); default: the first image size'],
  model: ['string', 'backbone architecture from the model registry (ignored with --backbone)'],
  width: ['number', 'backbone width multiplier (ignored with --backbone)'],
  stem: ['string', 'backbone stem, cifar or imagenet (ignored with --backbone)'],
  neckChannels: ['int', 'channels of the FPN neck and the head'],
  backbone: ['string', 'start the backbone from a dyrep train run directory or checkpoint file'],
  backboneStructure: ['string', "grown: keep the run's rep-blocks (DyRep goes on from them); fused: fuse them into plain convs first"],
  freezeBackboneEpochs: ['int', 'train only neck and head for the first N epochs'],
  epochs: ['int', 'number of epochs'],
  batchSize: ['int', 'images per batch'],
  lr: ['number', 'base learning rate (linear warm-up to it, then cosine)'],
  lrMin: ['number', 'floor of the cosine schedule'],
  warmupEpochs: ['int', 'linear warm-up epochs (at most half the run)'],
  policy: ['string', 'dyrep or none'],
  adjustInterval: ['int', 'epochs between structure adjustments (dyrep)'],
  cacheImages: ['int', 'decoded images kept in memory (least recently used dropped)'],
  prefetch: ['int', 'batches decoded ahead of training'],
  seed: ['int', 'random seed'],
  backend: ['string', 'auto, tensorflow, wasm or cpu'],
  out: ['string', 'output directory'],
  resume: ['bool', 'continue the run in --out from its checkpoint'],
};
