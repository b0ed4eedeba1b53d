import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeCocoJson}. */
export interface WriteCocoJsonOptions {
  /** Indentation passed to JSON.stringify; default none (COCO files are large). */
  indent?: number;
}

/**
 * Writes COCO JSON (ground truth or detections) atomically: to a temporary file in the same
 * directory, flushed to disk, then renamed over `path`, so readers never see a half-written file.
 * Creates the directory if needed. Non-finite numbers are rejected instead of being written as null.
 */
export async function writeCocoJson(path: string, value: unknown, options: WriteCocoJsonOptions = {}): Promise<void> {
  const text = JSON.stringify(
    value,
    (key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) {
        throw new RangeError(`writeCocoJson: non-finite number ${v} at key '${key}'`);
      }
      return v;
    },
    options.indent,
  );
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(text + '\n', 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
