#!/usr/bin/env node
// The `dyrep-tensorflow-installer` command.
import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { InstallError } from './install-error';
import { installTensorflow, verifyTensorflow } from './install-tensorflow';
import type { VerifyResult } from './install-tensorflow';

function summary(v: VerifyResult): string {
  return (
    `${v.package} works: backend 'tensorflow', TensorFlow ${v.tfVersion}${v.gpu ? ' on a GPU' : ' on the CPU'}; ` +
    `${v.rows.length} forward/gradient outputs match the cpu backend (worst relative error ${v.worst.toExponential(2)})` +
    (v.viaDyrepBackend ? ', through @dyrep/backend' : '; explicit-padding conv gradients not checked (add @dyrep/backend to the project: its initBackend provides them)')
  );
}

/** This package's version, from its package.json (next to dist/ and src/). */
function version(): string {
  const req = createRequire(import.meta.url);
  return (req('../package.json') as { version: string }).version;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('dyrep-tensorflow-installer')
    .description('Install and verify the tensorflow backend of TensorFlow.js (@tensorflow/tfjs-node or -gpu) from a TensorFlow Python wheel')
    .version(version())
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .exitOverride();

  program
    .command('install')
    .description(
      'Install @tensorflow/tfjs-node (or -gpu) into a project without its libtensorflow download: build its binding ' +
        'from a TensorFlow Python wheel, then verify it against the cpu backend. Re-running on a good install only re-verifies.',
    )
    .addOption(new Option('--wheel <file>', 'a TensorFlow wheel (tensorflow_cpu-*.whl; tensorflow-*.whl with --gpu)').conflicts('pip'))
    .addOption(new Option('--pip <requirement>', "let pip download the wheel into a temp dir, e.g. 'tensorflow_cpu==2.21.0'").conflicts('wheel'))
    .option('--gpu', 'build @tensorflow/tfjs-node-gpu from a CUDA-enabled `tensorflow` wheel (untested here)', false)
    .addOption(new Option('--prefix <dir>', 'the project to install into').default(process.cwd(), 'the current directory'))
    .option('--save', 'record the package in package.json (as an optional dependency, so that `npm ci` survives its failing download script)', false)
    .option('--force', 'rebuild even when a verified install from the same wheel exists', false)
    .option('--nodedir <dir>', 'Node headers for node-gyp (default: npm config nodedir, then the node install prefix)')
    .option('--node-gyp <path>', "node-gyp to run (default: npm's bundled copy)")
    .option('--python <exe>', 'the Python whose pip runs for --pip', 'python3')
    .option('--tfjs-version <version>', "tfjs-node version (default: the project's @tensorflow/tfjs version, else 4.22.0)")
    .action(async (o: { wheel?: string; pip?: string; gpu: boolean; prefix: string; save: boolean; force: boolean; nodedir?: string; nodeGyp?: string; python: string; tfjsVersion?: string }) => {
      if (!o.wheel && !o.pip) throw new InstallError('usage', 'give --wheel <file> or --pip <requirement>');
      const r = await installTensorflow({ ...o });
      process.stdout.write(`${summary(r)}${r.reused ? ' (existing install kept)' : ''}; ${r.seconds.toFixed(1)} s\n`);
    });

  program
    .command('verify')
    .description('Load the installed tfjs-node (or -gpu) in a fresh process and compare ops and gradients with the cpu backend')
    .option('--gpu', 'verify @tensorflow/tfjs-node-gpu', false)
    .addOption(new Option('--prefix <dir>', 'the project').default(process.cwd(), 'the current directory'))
    .action(async (o: { gpu: boolean; prefix: string }) => {
      process.stdout.write(`${summary(await verifyTensorflow(o))}\n`);
    });

  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  const e = err as Error & { code?: string; exitCode?: number };
  if (e.code?.startsWith('commander.')) {
    // Commander printed the message (and help); --help and --version exit 0, usage errors 2.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (err instanceof InstallError) {
    process.stderr.write(`dyrep-tensorflow-installer: error (${err.code}): ${err.message}\n`);
    process.exitCode = err.code === 'usage' ? 2 : 1;
  } else {
    process.stderr.write(`dyrep-tensorflow-installer: ${e?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
});
