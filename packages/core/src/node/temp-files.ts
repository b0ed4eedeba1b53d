import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isProcessAlive } from './process-alive';

const TEMP_NAME = /^\..+\.tmp-(\d+)-[0-9a-f]+$/;

/** A fresh temporary path next to `file` (same directory, so a rename replaces it atomically), tagged with this process's id. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Removes the temporary files {@link tempPathFor} left in `dir` by processes that no longer run
 * (killed mid-write); returns their names. A missing directory has none.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => {
    const m = TEMP_NAME.exec(n);
    return m !== null && !isProcessAlive(Number(m[1]));
  });
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true, recursive: true })));
  return stale;
}

/** Whether `name` is one of the temporary files of {@link tempPathFor}. */
export function isTempFileName(name: string): boolean {
  return TEMP_NAME.test(basename(name));
}
