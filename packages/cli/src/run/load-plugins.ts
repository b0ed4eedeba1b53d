import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/load-config';

/**
 * The import specifier of a `--plugin` module: a file path (relative to `cwd`, or absolute) as a
 * file URL, or a package name as given (resolved like the CLI's own imports). A path that does not
 * exist is a usage error naming it.
 */
export function pluginSpecifier(spec: string, cwd = process.cwd()): string {
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || /\.(c|m)?(j|t)s$/.test(spec);
  if (!looksLikePath) return spec;
  const file = resolve(cwd, spec);
  if (!existsSync(file)) throw new ConfigError(`--plugin '${spec}': no such file (${file})`);
  return pathToFileURL(file).href;
}

/**
 * Imports each `--plugin` module (specifiers from {@link pluginSpecifier}) in order, so that its
 * `registerMetric` / `registerPolicy` / `registerModel` / `registerDataset` calls take effect
 * before the command runs. A module that cannot be found is a usage error; one that throws
 * while loading fails the run with its message.
 */
export async function loadPlugins(specifiers: readonly string[]): Promise<void> {
  for (const spec of specifiers) {
    try {
      await import(spec);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(`'${spec}'`)) {
        throw new ConfigError(`--plugin '${spec}': cannot find the module (install it, or give a path such as ./${spec}.mjs)`);
      }
      throw new Error(`--plugin '${spec}' failed to load: ${err.message}`);
    }
  }
}
