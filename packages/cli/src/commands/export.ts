import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { prepareOutputDirectory } from '@dyrep/core/node';
import { initBackend } from '@dyrep/backend';
import { deployWithReport } from '@dyrep/exporter';
import { exportOnnx, exportTfjs } from '@dyrep/exporter/node';
import { countFlops, countParams } from '@dyrep/nn';
import { ConfigError } from '../config/load-config';
import { loadCheckpointModel } from '../run/checkpoint-model';
import { openPretrained, torchSafetensorsOf } from '../run/pretrained';
import { writeSafetensorsExport } from '../run/safetensors-export';

/** `dyrep export`. */
export function exportCommand(): Command {
  return new Command('export')
    .description(
      'fuse a trained checkpoint (or convert a PyTorch .safetensors checkpoint) into the plain network and export it: TensorFlow.js LayersModel, ONNX, or safetensors in torchvision/timm layout',
    )
    .option('--checkpoint <path>', 'checkpoint file or run directory')
    .option('--pretrained <file>', 'instead of --checkpoint: a PyTorch .safetensors checkpoint (torchvision or timm naming) to convert without training')
    .option('--model <name>', 'with --pretrained: the registry model (resnet18, resnet34, resnet50, vgg16_bn)')
    .option('--width <n>', 'with --pretrained: channel width multiplier', '1')
    .option('--stem <name>', 'with --pretrained: cifar or imagenet stem', 'imagenet')
    .option('--in-channels <n>', "with --pretrained: input channels (default the checkpoint's; another count adapts the stem)")
    .option('--num-classes <n>', "with --pretrained: classifier outputs (default the checkpoint's)")
    .option('--input-size <n>', 'with --pretrained: input height and width of the export', '224')
    .requiredOption('--out <path>', 'output directory (tfjs) or file (onnx, safetensors)')
    .option('--format <name>', 'tfjs, onnx or safetensors', 'tfjs')
    .option('--force', 'replace a previous export at --out (never another file or directory)')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', 'auto')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const format = String(opts.format);
      if (format !== 'tfjs' && format !== 'onnx' && format !== 'safetensors') throw new ConfigError(`option --format = "${format}" is not allowed: use tfjs, onnx or safetensors`);
      if (!opts.checkpoint === !opts.pretrained) throw new ConfigError('give exactly one of --checkpoint and --pretrained');
      const out = String(opts.out);
      if (existsSync(out) && !opts.force) throw new ConfigError(`'${out}' exists already; pass --force to replace it (only a previous export is ever replaced)`);
      await prepareOutputDirectory(dirname(out));
      await initBackend(opts.backend as 'auto');
      const loaded = opts.pretrained ? openPretrainedFromFlags(opts) : fromCheckpoint(String(opts.checkpoint));
      try {
        const { model: deployed, equivalence, fusedBlocks, foldedBatchNorms } = deployWithReport(loaded.model, { inputShape: [1, ...loaded.inputShape] });
        try {
          const options = {
            inputSize: loaded.inputShape,
            classNames: loaded.classNames,
            normalization: loaded.normalization ? { mean: [...loaded.normalization.mean], std: [...loaded.normalization.std] } : undefined,
            architecture: loaded.description,
            overwrite: Boolean(opts.force),
          };
          if (format === 'tfjs') await exportTfjs(deployed, out, options);
          else if (format === 'onnx') await exportOnnx(deployed, out, options);
          // torchvision layout keeps the BNs: the fused network before BN folding (blocks fused by the writer).
          else await writeSafetensorsExport(out, torchSafetensorsOf(loaded.model, loaded.architecture, loaded), Boolean(opts.force));
          const report = {
            format,
            out,
            fusedBlocks: fusedBlocks.length,
            foldedBatchNorms: foldedBatchNorms.length,
            maxRelDiff: equivalence?.maxRelDiff,
            params: countParams(deployed),
            flops: countFlops(deployed, loaded.inputShape),
          };
          process.stdout.write(`${JSON.stringify(report)}\n`);
        } finally {
          deployed.dispose();
        }
      } finally {
        loaded.model.dispose();
      }
    });
}

/** A trained run's model with what its export needs. */
function fromCheckpoint(path: string) {
  const c = loadCheckpointModel(path);
  return { ...c, architecture: c.config.model, description: `${c.config.model} (width ${c.config.width}, ${c.config.stem} stem) trained with ${c.config.policy}` };
}

function openPretrainedFromFlags(opts: Record<string, string | boolean | undefined>) {
  if (!opts.model) throw new ConfigError('--pretrained needs --model (the registry model the checkpoint is for)');
  const positive = (name: string, v: string | boolean | undefined, int = true): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(n > 0) || (int && !Number.isInteger(n))) throw new ConfigError(`option ${name} = "${String(v)}" is not allowed: expected a positive ${int ? 'integer' : 'number'}`);
    return n;
  };
  const stem = String(opts.stem);
  if (stem !== 'cifar' && stem !== 'imagenet') throw new ConfigError(`option --stem = "${stem}" is not allowed: use cifar or imagenet`);
  const p = openPretrained({
    file: String(opts.pretrained),
    model: String(opts.model),
    width: positive('--width', opts.width, false)!,
    stem,
    inChannels: positive('--in-channels', opts.inChannels),
    numClasses: positive('--num-classes', opts.numClasses),
    inputSize: positive('--input-size', opts.inputSize)!,
  });
  return { ...p, architecture: String(opts.model) };
}
