import { Command } from 'commander';
import { trainCommand } from './commands/train';
import { evalCommand } from './commands/eval';
import { exportCommand } from './commands/export';
import { detectCommand } from './commands/detect';
import { benchCommand } from './commands/bench';
import { restoreTerminal } from './run/stop-on-signals';

/** A multi-line message (lists of tried paths, state-dict problems) joined into one line. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim().replace(/^- /, ''))
    .filter(Boolean)
    .join('; ')
    .replace(/:; /g, ': ');
}

/** The `dyrep` program with all its commands. */
export function createProgram(): Command {
  return new Command('dyrep')
    .description('Dynamic structural re-parameterization (DyRep) for TensorFlow.js')
    .option('--verbose', 'print stack traces of errors')
    .addCommand(trainCommand())
    .addCommand(evalCommand())
    .addCommand(exportCommand())
    .addCommand(detectCommand())
    .addCommand(benchCommand())
    .showHelpAfterError();
}

/**
 * Runs the program on `argv` and returns the exit code: 0 on success, 1 with a one-line cause on
 * stderr for errors (the stack trace only with `--verbose`), 130/143 for a run stopped by
 * SIGINT/SIGTERM, commander's own code for usage errors.
 */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram().exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code?.startsWith('commander.')) return err.exitCode ?? 2;
    restoreTerminal(); // a progress bar stopped by the error may have left the cursor hidden
    if (argv.includes('--verbose')) process.stderr.write(`${err.stack ?? err}\n`);
    else process.stderr.write(`dyrep: ${oneLine(err.message)}\n`);
    return typeof err.exitCode === 'number' ? err.exitCode : 1;
  }
}
