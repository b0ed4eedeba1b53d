import { lstat, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureDirectory, writeFileAtomic } from '@dyrep/core/node';
import onnxProto from 'onnx-proto';
import { ONNX_PRODUCER } from '../internal/producer';

/** File inside every TensorFlow.js export directory that marks it as ours, so `overwrite` may replace it. */
const EXPORT_MARKER = '.dyrep-export';

function sibling(target: string, what: string): string {
  return join(dirname(target), `.${basename(target)}.${what}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Why `path` is not a previous export of ours of the given kind, or `undefined` when it is one (or absent). */
async function notOurs(path: string, kind: 'onnx' | 'tfjs'): Promise<string | undefined> {
  const s = await lstat(path).catch(() => undefined);
  if (!s) return undefined;
  if (kind === 'tfjs') {
    if (!s.isDirectory()) return 'it is not a directory';
    return (await lstat(join(path, EXPORT_MARKER)).catch(() => undefined)) ? undefined : `it has no ${EXPORT_MARKER} marker file`;
  }
  if (!s.isFile()) return 'it is not a file';
  try {
    const model = onnxProto.onnx.ModelProto.decode(await readFile(path));
    return model.producerName === ONNX_PRODUCER ? undefined : `its producer is '${model.producerName}'`;
  } catch {
    return 'it is not an ONNX model';
  }
}

async function checkTarget(path: string, kind: 'onnx' | 'tfjs', overwrite: boolean, fn: string): Promise<boolean> {
  const exists = Boolean(await lstat(path).catch(() => undefined));
  if (!exists) return false;
  if (!overwrite) throw new Error(`${fn}: '${path}' exists already; pass overwrite: true to replace it`);
  const why = await notOurs(path, kind);
  if (why) throw new Error(`${fn}: '${path}' is not a previous export of ours (${why}), so it is left alone; remove it yourself or choose another path`);
  return true;
}

/**
 * Writes an ONNX export to `target` with the project's atomic file writer. An existing target is
 * refused unless `overwrite`, and even then only an ONNX file made by this exporter is replaced.
 */
export async function writeOnnxExport(target: string, overwrite: boolean, bytes: Uint8Array): Promise<string> {
  const path = resolve(target);
  await checkTarget(path, 'onnx', overwrite, 'exportOnnx');
  await writeFileAtomic(path, bytes);
  return path;
}

/**
 * Writes a TensorFlow.js export directory: `fill` writes into a temporary directory next to
 * `target` (its files through the atomic writer), the marker file is added, and the directory is
 * renamed into place. An existing target is refused unless `overwrite`, and even then only a
 * directory holding the marker is replaced: it is moved aside, removed after the rename succeeded
 * and restored otherwise. The temporary directory is removed on any error.
 */
export async function writeTfjsExport(target: string, overwrite: boolean, fill: (tmp: string) => Promise<void>): Promise<string> {
  const path = resolve(target);
  await checkTarget(path, 'tfjs', overwrite, 'exportTfjs');
  await ensureDirectory(dirname(path));
  const tmp = sibling(path, 'tmp');
  try {
    await fill(tmp);
    await writeFileAtomic(join(tmp, EXPORT_MARKER), `${JSON.stringify({ producer: ONNX_PRODUCER, format: 'tfjs-layers' })}\n`);
    if (await checkTarget(path, 'tfjs', overwrite, 'exportTfjs')) {
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
