import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileSystemError } from './file-system-error';
import { ensureDirectory } from './output-directory';
import { tempPathFor } from './temp-files';

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function ignoreSignal(): void {}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The project's one atomic file writer. Replaces `file` by `data` so that after any failure
 * (full disk, file-size limit, permission, kill) the previous content is still there, whole:
 * 1. the bytes go to a temporary file in the same directory (missing directories are created);
 * 2. the temporary file is fsynced, then read back and compared with `data` (a short write that
 *    reported no error, as under `ulimit -f`, is caught here);
 * 3. it is renamed over `file` and the directory is fsynced, so the rename survives a power cut.
 * On failure the temporary file is removed and a one-line {@link FileSystemError} names the file
 * and the reason. (`write-file-atomic` on npm does 1 and 3 without the read-back or the directory
 * fsync, and its current major needs Node 22, so the steps are spelled out here.)
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const dir = dirname(file);
  await ensureDirectory(dir);
  const note = (await exists(file)) ? '; the previous file is unchanged' : '';
  const tmp = tempPathFor(file);
  // A write past `ulimit -f` raises SIGXFSZ, whose default action kills the process (leaving the
  // temporary file behind); with a listener the write fails with EFBIG and is handled below.
  process.on('SIGXFSZ', ignoreSignal);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const back = await readFile(tmp);
    if (!back.equals(bytes)) {
      throw Object.assign(new Error(`read back ${back.length} of ${bytes.length} bytes`), { code: 'ESHORT' });
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new FileSystemError('write', file, e, note);
  } finally {
    process.off('SIGXFSZ', ignoreSignal);
  }
  try {
    await syncDirectory(dir);
  } catch (e) {
    throw new FileSystemError('sync directory', dir, e);
  }
}

/** Writes `value` as pretty-printed JSON (with a final newline) through {@link writeFileAtomic}. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
