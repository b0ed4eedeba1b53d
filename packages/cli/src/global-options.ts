import type { Command } from 'commander';

/** Options every `dyrep` command accepts (given before or after the command name). */
export interface GlobalOptions {
  verbose?: boolean;
  /** `--plugin` modules as import specifiers (file URLs for paths). */
  plugin: string[];
  /** Seconds between progress lines when stderr is not a terminal (0: one line per epoch). */
  logInterval: number;
}

/** The global options seen by the command being run. */
export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}
