import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateCoco, COCO_METRIC_NAMES } from '@dyrep/detection';
import type { BackendName } from '@dyrep/backend';
import { ConfigError } from '../config/load-config';
import { runDetectionTraining } from '../run/detection-run';
import { detectionSummaryRows } from '../report/detection-summary';
import { textTable } from '../report/text-table';

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

/** `dyrep detect eval`: the 12 COCO numbers of a detections file against ground truth, as one JSON line. */
function detectEvalCommand(): Command {
  return new Command('eval')
    .description('COCO-style bbox evaluation (the 12 pycocotools numbers) of detections against ground truth')
    .requiredOption('--gt <file>', 'ground truth, COCO JSON (images, annotations, categories)')
    .requiredOption('--dt <file>', 'detections, COCO results JSON ([{image_id, category_id, bbox, score}])')
    .action((opts: { gt: string; dt: string }) => {
      const result = evaluateCoco(readJson(opts.gt, 'ground truth') as never, readJson(opts.dt, 'detections') as never);
      const numbers = Object.fromEntries(COCO_METRIC_NAMES.map((k) => [k, (result as unknown as Record<string, number>)[k]]));
      process.stdout.write(`${JSON.stringify(numbers)}\n`);
    });
}

function positive(name: string, raw: string, integer = true): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new ConfigError(`option --${name} = ${JSON.stringify(raw)} is not allowed: expected a positive ${integer ? 'integer' : 'number'}`);
  }
  return v;
}

/** `dyrep detect train`: fine-tune a detector with DyRep (or plain) on a COCO set or a generated Fashion-MNIST one. */
function detectTrainCommand(): Command {
  return new Command('train')
    .description('fine-tune a CenterNet-style detector (ResNet-18 backbone) with the dyrep policy or none; COCO mAP every epoch')
    .option('--data-dir <dir>', 'COCO set with train/ and val/ (annotations.json + images/); default: generate one from Fashion-MNIST')
    .option('--generate <train,val>', 'canvases to generate for train,val', '600,150')
    .option('--canvas <px>', 'generated canvas size', '96')
    .option('--width <w>', 'backbone width multiplier', '0.125')
    .option('--channels <n>', 'neck and head channels', '32')
    .option('--epochs <n>', 'epochs', '16')
    .option('--batch-size <n>', 'images per batch', '16')
    .option('--lr <lr>', 'base learning rate (2-epoch warm-up, cosine)', '0.1')
    .option('--policy <name>', 'dyrep or none', 'dyrep')
    .option('--adjust-interval <n>', 'epochs between structure adjustments', '2')
    .option('--seed <n>', 'random seed', '0')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', 'auto')
    .option('--out <dir>', 'output directory', 'runs/detect')
    .option('--force', 'replace an existing run in --out')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const policy = String(o.policy);
      if (policy !== 'dyrep' && policy !== 'none') throw new ConfigError(`option --policy = "${policy}" is not allowed: use dyrep or none`);
      const generate = String(o.generate).split(',');
      if (generate.length !== 2) throw new ConfigError(`option --generate = "${o.generate}" is not allowed: expected two counts, train,val`);
      const summary = await runDetectionTraining({
        dataDir: o.dataDir as string | undefined,
        generate: [positive('generate', generate[0]), positive('generate', generate[1])],
        canvas: positive('canvas', String(o.canvas)),
        width: positive('width', String(o.width), false),
        channels: positive('channels', String(o.channels)),
        epochs: positive('epochs', String(o.epochs)),
        batchSize: positive('batch-size', String(o.batchSize)),
        lr: positive('lr', String(o.lr), false),
        policy,
        adjustInterval: positive('adjust-interval', String(o.adjustInterval)),
        seed: Number(o.seed),
        backend: String(o.backend) as BackendName,
        out: String(o.out),
        force: Boolean(o.force),
      });
      process.stdout.write(`${textTable([`detection · ${summary.policy}`, ''], detectionSummaryRows(summary))}\n\nreport: ${join(String(o.out), 'report.html')}\n`);
    });
}

/** `dyrep detect`. */
export function detectCommand(): Command {
  return new Command('detect').description('object detection with the same DyRep machinery').addCommand(detectTrainCommand()).addCommand(detectEvalCommand());
}
