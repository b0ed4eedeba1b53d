import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { evaluateCoco, COCO_METRIC_NAMES } from '@dyrep/detection';
import { ConfigError } from '../config/load-config';

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

/** `dyrep detect`. */
export function detectCommand(): Command {
  return new Command('detect').description('object detection with the same DyRep machinery').addCommand(detectEvalCommand());
}
