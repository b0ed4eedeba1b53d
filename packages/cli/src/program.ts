import { Command, Option } from 'commander';
import { trainCommand } from './commands/train';
import { evalCommand } from './commands/eval';
import { exportCommand } from './commands/export';
import { detectCommand } from './commands/detect';
import { benchCommand } from './commands/bench';
import { restoreTerminal } from './run/stop-on-signals';
import { ConfigError } from './config/load-config';
import { loadPlugins, pluginSpecifier } from './run/load-plugins';
import { globalOptions } from './global-options';
import { CLI_VERSION } from './version';

/** A multi-line message (lists of tried paths, state-dict problems) joined into one line. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim().replace(/^- /, ''))
    .filter(Boolean)
    .join('; ')
    .replace(/:; /g, ': ');
}

function nonNegativeSeconds(raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0) {
    throw new ConfigError(`option --log-interval = ${JSON.stringify(raw)} is not allowed: expected a number of seconds ≥ 0`);
  }
  return v;
}

/** Applies `fn` to `cmd` and every command below it. */
function forEachCommand(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) forEachCommand(sub, fn);
}

/** The `dyrep` program with all its commands. */
export function createProgram(): Command {
  const program = new Command('dyrep')
    .description('Dynamic structural re-parameterization (DyRep) for TensorFlow.js')
    .version(CLI_VERSION, '-V, --version', 'print the version of @dyrep/cli')
    .option('--verbose', 'print stack traces of errors')
    .addOption(
      new Option('--plugin <module>', 'load a module that registers a metric, policy, model or dataset (file path or package; repeatable)')
        .argParser((spec: string, prev: string[]) => [...prev, pluginSpecifier(spec)])
        .default([], 'none'),
    )
    .addOption(new Option('--log-interval <seconds>', 'seconds between progress lines when stderr is not a terminal; 0: one line per epoch').argParser(nonNegativeSeconds).default(30))
    .addCommand(trainCommand())
    .addCommand(evalCommand())
    .addCommand(exportCommand())
    .addCommand(detectCommand())
    .addCommand(benchCommand());
  program.hook('preAction', async (_root, action) => {
    await loadPlugins(globalOptions(action).plugin);
  });
  forEachCommand(program, (c) => c.configureHelp({ showGlobalOptions: true }).showHelpAfterError().exitOverride());
  return program;
}

/**
 * Runs the program on `argv` and returns the exit code: 0 on success (and for `--help`,
 * `--version`); 2 for a usage error — an unknown flag or command, a bad value, a missing file or
 * a refused overwrite (commander's errors and {@link ConfigError}); 130/143 for a run stopped by
 * SIGINT/SIGTERM; 1 when the work itself fails. Errors are one line on stderr (the stack trace
 * only with `--verbose`).
 */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    // Commander has printed its message (and the help) already.
    if (err.code?.startsWith('commander.')) return err.exitCode === 0 ? 0 : 2;
    restoreTerminal(); // a progress bar stopped by the error may have left the cursor hidden
    if (argv.includes('--verbose')) process.stderr.write(`${err.stack ?? err}\n`);
    else process.stderr.write(`dyrep: ${oneLine(err.message)}\n`);
    if (err instanceof ConfigError) return 2;
    return typeof err.exitCode === 'number' ? err.exitCode : 1;
  }
}
