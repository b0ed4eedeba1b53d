import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { initBackend } from '@dyrep/backend';
import { deployWithReport, exportOnnx, exportTfjs } from '@dyrep/exporter';
import { countFlops, countParams } from '@dyrep/nn';
import { ConfigError } from '../config/load-config';
import { loadCheckpointModel } from '../run/checkpoint-model';

/** `dyrep export`. */
export function exportCommand(): Command {
  return new Command('export')
    .description('fuse a trained checkpoint into the plain network and export it (TensorFlow.js LayersModel or ONNX)')
    .requiredOption('--checkpoint <path>', 'checkpoint file or run directory')
    .requiredOption('--out <path>', 'output directory (tfjs) or file (onnx)')
    .option('--format <name>', 'tfjs or onnx', 'tfjs')
    .option('--force', 'replace an existing export')
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', 'auto')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const format = String(opts.format);
      if (format !== 'tfjs' && format !== 'onnx') throw new ConfigError(`option --format = "${format}" is not allowed: use tfjs or onnx`);
      const out = String(opts.out);
      if (existsSync(out) && !opts.force) throw new ConfigError(`'${out}' exists already; pass --force to replace it`);
      await initBackend(opts.backend as 'auto');
      const loaded = loadCheckpointModel(String(opts.checkpoint));
      try {
        const { model: deployed, equivalence, fusedBlocks, foldedBatchNorms } = deployWithReport(loaded.model, { inputShape: [1, ...loaded.inputShape] });
        try {
          const options = {
            inputSize: loaded.inputShape,
            classNames: loaded.classNames,
            normalization: loaded.normalization ?? undefined,
            architecture: `${loaded.config.model} (width ${loaded.config.width}, ${loaded.config.stem} stem) trained with ${loaded.config.policy}`,
            overwrite: Boolean(opts.force),
          };
          if (format === 'tfjs') await exportTfjs(deployed, out, options);
          else await exportOnnx(deployed, out, options);
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
