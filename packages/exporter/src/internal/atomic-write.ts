import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

function sibling(target: string, what: string): string {
  return join(dirname(target), `.${basename(target)}.${what}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/**
 * Writes `target` (a file or a directory) atomically: `write` fills a temporary path next to it,
 * which is then renamed into place. An existing target is refused unless `overwrite`, in which
 * case it is moved aside first and removed only after the rename succeeded (restored otherwise).
 * The temporary path is removed on any error.
 */
export async function writeAtomically(target: string, overwrite: boolean, fn: string, write: (tmp: string) => Promise<void>): Promise<string> {
  const path = resolve(target);
  if (existsSync(path) && !overwrite) throw new Error(`${fn}: '${path}' exists already; pass overwrite: true to replace it`);
  await mkdir(dirname(path), { recursive: true });
  const tmp = sibling(path, 'tmp');
  try {
    await write(tmp);
    if (existsSync(path)) {
      if (!overwrite) throw new Error(`${fn}: '${path}' appeared while exporting; pass overwrite: true to replace it`);
      const old = sibling(path, 'old');
      await rename(path, old);
      try {
        await rename(tmp, path);
      } catch (e) {
        await rename(old, path);
        throw e;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, path);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return path;
}
