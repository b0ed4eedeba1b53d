import * as tf from '@tensorflow/tfjs-core';
import { Command } from 'commander';
import { initBackend } from '@dyrep/backend';
import { DataLoader } from '@dyrep/data';
import { classificationTask, topKCorrect } from '@dyrep/trainer';
import { ConfigError } from '../config/load-config';
import { loadCheckpointModel } from '../run/checkpoint-model';
import { openExportedModel } from '../run/exported-model';
import { prepareData, testLoader } from '../run/prepare-data';

/** Accuracy of an exported model on a dataset's test split, computed by the model's own runtime. */
async function evaluateExported(file: string, data: { dataset: string; dataDir?: string; testLimit?: number; batchSize: number }) {
  const prepared = await prepareData({ ...data, trainLimit: 1 });
  const model = await openExportedModel(file);
  let top1 = 0;
  let top5 = 0;
  try {
    for await (const { x, y } of new DataLoader(prepared.test, { batchSize: data.batchSize })) {
      const logits = (await model.predict(x)) as tf.Tensor2D;
      const c = topKCorrect(logits, y);
      top1 += c.top1;
      top5 += c.top5;
      tf.dispose([x, y, logits]);
    }
  } finally {
    model.dispose();
  }
  const n = prepared.test.size;
  return { source: file, format: model.format, dataset: data.dataset, examples: n, top1: top1 / n, top5: top5 / n };
}

/** `dyrep eval`. */
export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate a training checkpoint or an exported model (model.json / .onnx) on a test split; prints one JSON line')
    .option('--checkpoint <path>', 'checkpoint file or run directory')
    .option('--model <file>', 'exported model: TensorFlow.js model.json or ONNX file')
    .option('--dataset <name>', "dataset (default: the checkpoint run's, else fashion-mnist)")
    .option('--data-dir <dir>', 'dataset directory')
    .option('--test-limit <n>', 'use only the first N test examples')
    .option('--batch-size <n>', 'examples per batch', '256')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', 'auto')
    .action(async (opts: Record<string, string | undefined>) => {
      if (!opts.checkpoint === !opts.model) throw new ConfigError('give exactly one of --checkpoint and --model');
      await initBackend(opts.backend as 'auto');
      const batchSize = Number(opts.batchSize);
      const testLimit = opts.testLimit === undefined ? undefined : Number(opts.testLimit);
      for (const [name, v] of [
        ['--batch-size', batchSize],
        ['--test-limit', testLimit],
      ] as const) {
        if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new ConfigError(`option ${name} must be a positive integer`);
      }
      let result: Record<string, unknown>;
      if (opts.model) {
        result = await evaluateExported(opts.model, { dataset: opts.dataset ?? 'fashion-mnist', dataDir: opts.dataDir, testLimit, batchSize });
      } else {
        const loaded = loadCheckpointModel(opts.checkpoint!);
        try {
          const dataset = opts.dataset ?? loaded.config.dataset;
          const prepared = await prepareData({ dataset, dataDir: opts.dataDir ?? loaded.config.dataDir, testLimit, trainLimit: 1 });
          // The run's own normalisation (a pretrained checkpoint's, when it started from one).
          const data = loaded.normalization ? { ...prepared, normalization: loaded.normalization } : prepared;
          const metrics = await classificationTask().evaluate(loaded.model, testLoader(data, { dataset, batchSize }).epoch());
          result = { source: opts.checkpoint, format: 'checkpoint', dataset, examples: data.test.size, top1: metrics.top1, top5: metrics.top5, loss: metrics.loss };
        } finally {
          loaded.model.dispose();
        }
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
