import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** Every option of `dyrep train` / `dyrep bench`, with its default. */
export const trainConfigSchema = z
  .object({
    model: z.string().min(1).default('resnet18'),
    width: z.number().positive().max(4).default(0.125),
    stem: z.enum(['cifar', 'imagenet']).default('cifar'),
    dataset: z.string().min(1).default('fashion-mnist'),
    dataDir: z.string().min(1).optional(),
    trainLimit: positiveInt.optional(),
    testLimit: positiveInt.optional(),
    augment: z.boolean().default(true),
    epochs: positiveInt.default(3),
    batchSize: positiveInt.max(4096).default(64),
    lr: z.number().positive().max(10).default(0.1),
    lrMin: z.number().nonnegative().default(1e-6),
    warmupEpochs: nonNegativeInt.default(0),
    momentum: z.number().min(0).lt(1).default(0.9),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().nonnegative().default(1e-4),
    decayBiasAndNorm: z.boolean().default(true),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    policy: z.string().min(1).default('dyrep'),
    metric: z.string().min(1).default('synflow'),
    adjustInterval: positiveInt.default(1),
    maxAdjustEpochs: nonNegativeInt.default(1000),
    topK: positiveInt.default(1),
    recalBnBatches: nonNegativeInt.default(20),
    cutMinStd: z.number().nonnegative().default(0.02),
    cutMaxWeight: z.number().nonnegative().default(0.1),
    cutMode: z.enum(['fold', 'reset']).default('fold'),
    dbbVariant: z.enum(['preserving', 'authors']).default('preserving'),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    seed: nonNegativeInt.default(0),
    out: z.string().min(1).default('runs/latest'),
    resume: z.boolean().default(false),
    export: z.array(z.enum(['tfjs', 'onnx', 'safetensors'])).default(['tfjs', 'onnx']),
    pretrained: z.string().min(1).optional(),
    resetHead: z.boolean().default(false),
    adaptStem: z.boolean().default(false),
  })
  .strict();

/** A validated, fully defaulted training configuration. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** Option names of {@link TrainConfig}. */
export const TRAIN_OPTION_NAMES = Object.keys(trainConfigSchema.shape) as (keyof TrainConfig)[];
