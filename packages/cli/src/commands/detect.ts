import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateCoco, generateFashionMnistDetection, COCO_METRIC_NAMES } from '@dyrep/detection';
import { initBackend, type BackendName } from '@dyrep/backend';
import { addFlags, readFlags } from '../config/flags';
import { ConfigError, readConfigFile, resolveConfig } from '../config/load-config';
import { DETECT_CONFIG, DETECT_FLAGS } from '../config/detect-schema';
import { runDetectionTraining } from '../run/detection-run';
import { exportDetector } from '../run/detection-export';
import { evaluateExportedDetector } from '../run/detection-eval';
import { detectionSummaryRows } from '../report/detection-summary';
import { textTable } from '../report/text-table';
import { globalOptions } from '../global-options';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${what} '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${what} '${file}' is not valid JSON: ${(e as Error).message}`);
  }
}

/** `dyrep detect eval`: the 12 COCO numbers, as one JSON line, of a detections file or of an exported detector run on images. */
function detectEvalCommand(): Command {
  return new Command('eval')
    .description('COCO bbox evaluation (the 12 pycocotools numbers) of a detections file, or of an exported detector (ONNX or tfjs) run by its own runtime on images')
    .requiredOption('--gt <file>', 'ground truth, COCO JSON (images, annotations, categories)')
    .option('--dt <file>', 'detections, COCO results JSON ([{image_id, category_id, bbox, score}])')
    .option('--model <file>', 'an exported detector: model.json or .onnx (from dyrep detect export); needs --images')
    .option('--images <dir>', 'directory the ground truth file_names are relative to (with --model)')
    .option('--backend <name>', 'tfjs backend for a model.json and the decoding', 'auto')
    .action(async (opts: { gt: string; dt?: string; model?: string; images?: string; backend: string }) => {
      if (Boolean(opts.dt) === Boolean(opts.model)) throw new ConfigError('pass exactly one of --dt (a detections file) and --model (an exported detector)');
      if (opts.model) {
        if (!opts.images) throw new ConfigError('--model needs --images, the directory of the ground-truth images');
        await initBackend(opts.backend as BackendName);
        const score = await evaluateExportedDetector({ model: opts.model, images: opts.images, gt: opts.gt });
        process.stdout.write(`${JSON.stringify({ model: score.model, format: score.format, images: score.images, ...score.metrics })}\n`);
        return;
      }
      const result = evaluateCoco(readJson(opts.gt, 'ground truth') as never, readJson(opts.dt!, 'detections') as never);
      const numbers = Object.fromEntries(COCO_METRIC_NAMES.map((k) => [k, (result as unknown as Record<string, number>)[k]]));
      process.stdout.write(`${JSON.stringify(numbers)}\n`);
    });
}

/** `dyrep detect train`: fine-tune a detector with DyRep (or plain) on COCO data or a generated Fashion-MNIST set. */
function detectTrainCommand(): Command {
  const cmd = new Command('train').description('fine-tune a CenterNet-style detector with the dyrep policy or none, from scratch or from a dyrep train run; COCO mAP every epoch');
  cmd.option('--config <file>', 'YAML or JSON config file (flags override it)');
  cmd.option('--force', 'replace an existing run in --out');
  addFlags(cmd, DETECT_CONFIG, DETECT_FLAGS);
  cmd.action(async (opts: Record<string, unknown>, self: Command) => {
    const file = opts.config ? readConfigFile(String(opts.config), DETECT_CONFIG) : {};
    const config = resolveConfig(DETECT_CONFIG, file, readFlags(opts, DETECT_FLAGS));
    const summary = await runDetectionTraining(config, { overwrite: Boolean(opts.force), logIntervalSeconds: globalOptions(self).logInterval });
    process.stdout.write(`${textTable([`detection · ${summary.policy}`, ''], detectionSummaryRows(summary))}\n\nreport: ${join(config.out, 'report.html')}\n`);
  });
  return cmd;
}

/** `dyrep detect export`: the fused detector of a run as ONNX or TensorFlow.js. */
function detectExportCommand(): Command {
  return new Command('export')
    .description('fuse the trained detector of a dyrep detect train run and export it (raw CenterNet map output; decode as docs/detection.md describes)')
    .requiredOption('--run <path>', 'run directory (or its checkpoint file) of dyrep detect train')
    .requiredOption('--out <path>', 'output directory (tfjs) or file (onnx)')
    .option('--format <name>', 'tfjs or onnx', 'onnx')
    .option('--force', 'replace an existing export')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', 'auto')
    .action(async (opts: { run: string; out: string; format: string; force?: boolean; backend: string }) => {
      if (opts.format !== 'tfjs' && opts.format !== 'onnx') throw new ConfigError(`option --format = "${opts.format}" is not allowed: use tfjs or onnx`);
      if (existsSync(opts.out) && !opts.force) throw new ConfigError(`'${opts.out}' exists already; pass --force to replace it`);
      await initBackend(opts.backend as BackendName);
      const report = await exportDetector(opts.run, opts.format, opts.out, Boolean(opts.force));
      process.stdout.write(`${JSON.stringify(report)}\n`);
    });
}

function count(name: string, raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new ConfigError(`option --${name} = ${JSON.stringify(raw)} is not allowed: expected a positive integer`);
  return v;
}

/** `dyrep detect generate`: a Fashion-MNIST detection set in COCO's own layout. */
function detectGenerateCommand(): Command {
  return new Command('generate')
    .description("write a Fashion-MNIST detection set in COCO's own layout: annotations/instances_{train,val}.json, train/, val/ (val items from the held-out test split)")
    .requiredOption('--out <dir>', 'output directory')
    .option('--train <n>', 'training canvases', '600')
    .option('--val <n>', 'validation canvases', '150')
    .option('--canvas <px>', 'canvas side', '96')
    .option('--color <mode>', 'gray, or rgb (tinted items on textured colour backgrounds)', 'rgb')
    .option('--seed <n>', 'random seed', '0')
    .option('--force', 'write into an existing --out')
    .action(async (opts: { out: string; train: string; val: string; canvas: string; color: string; seed: string; force?: boolean }) => {
      if (opts.color !== 'gray' && opts.color !== 'rgb') throw new ConfigError(`option --color = "${opts.color}" is not allowed: use gray or rgb`);
      if (existsSync(opts.out) && !opts.force) throw new ConfigError(`'${opts.out}' exists already; pass --force to write into it`);
      const seed = Number(opts.seed);
      const written: Record<string, { annotationFile: string; imageDir: string; images: number; annotations: number }> = {};
      for (const [split, n, offset] of [
        ['train', opts.train, 1],
        ['val', opts.val, 2],
      ] as const) {
        const r = await generateFashionMnistDetection({
          outDir: opts.out,
          imageDir: join(opts.out, split),
          annotationFile: join(opts.out, 'annotations', `instances_${split}.json`),
          count: count(split, n),
          canvas: count('canvas', opts.canvas),
          seed: seed + offset,
          split: split === 'train' ? 'train' : 'test',
          color: opts.color,
        });
        written[split] = { annotationFile: r.annotationFile, imageDir: r.imageDir, images: r.images, annotations: r.annotations };
      }
      process.stdout.write(`${JSON.stringify(written)}\n`);
    });
}

/** `dyrep detect`. */
export function detectCommand(): Command {
  return new Command('detect')
    .description('object detection with the same DyRep machinery')
    .addCommand(detectGenerateCommand())
    .addCommand(detectTrainCommand())
    .addCommand(detectExportCommand())
    .addCommand(detectEvalCommand());
}
