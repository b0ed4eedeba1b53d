import { readFile, stat } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DataError } from '../data-error';

const gunzipAsync = promisify(gunzip);

/** A Uint8Array view of a Buffer (same memory; sidesteps Buffer/Uint8Array typing drift). */
export function bufferView(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads a file, gunzipping it when its name ends in `.gz`; every failure becomes a DataError. */
export async function readMaybeGzip(path: string, what: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError('not-found', `${what}: file not found: ${path}`, { path, cause: err });
    if (code === 'EISDIR') throw new DataError('not-found', `${what}: expected a file but found a directory: ${path}`, { path, cause: err });
    throw new DataError('not-found', `${what}: cannot read ${path}: ${(err as Error).message}`, { path, cause: err });
  }
  if (!path.endsWith('.gz')) return bufferView(raw);
  try {
    return bufferView(await gunzipAsync(bufferView(raw)));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const truncated = e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message);
    throw new DataError(truncated ? 'truncated' : 'decode-failed', `${what}: ${path} is not a valid gzip file (${e.message}${truncated ? '; the file looks truncated' : ''})`, { path, cause: err });
  }
}

/** True when `path` exists and is a directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** True when `path` exists and is a regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The first of `dir/name` for `name` in `names` that is a file, or null. */
export async function firstFile(dir: string, names: readonly string[], join: (a: string, b: string) => string): Promise<string | null> {
  for (const n of names) {
    const p = join(dir, n);
    if (await isFile(p)) return p;
  }
  return null;
}
