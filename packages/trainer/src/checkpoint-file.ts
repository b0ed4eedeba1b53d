import * as tf from '@tensorflow/tfjs-core';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('DYREPCK1', 'latin1');

/** A checkpoint file that cannot be read: missing, truncated, corrupt, or from another format. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

interface TensorEntry {
  key: string;
  shape: number[];
  offset: number;
  length: number;
}

/**
 * Writes `meta` (JSON) and float32 `tensors` to one file, atomically: the bytes go to a temporary
 * file in the same directory, are fsynced, and replace `file` by rename, so a crash mid-write
 * leaves the previous checkpoint intact. Layout: magic `DYREPCK1`, u32 header length, JSON header
 * (meta, tensor index, CRC-32 of the payload), then the raw little-endian float32 payload.
 */
export function writeCheckpointFile(file: string, meta: unknown, tensors: ReadonlyMap<string, tf.Tensor>): void {
  const entries: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [key, t] of tensors) {
    const data = t.dataSync();
    const bytes = Buffer.from(new Float32Array(data).buffer);
    entries.push({ key, shape: t.shape, offset, length: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const payload = Buffer.concat(chunks);
  const header = Buffer.from(JSON.stringify({ meta, tensors: entries, payloadBytes: payload.length, crc32: crc32(payload) }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${Date.now()}`);
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [MAGIC, len, header, payload]) writeSync(fd, part);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

/** Reads a file written by {@link writeCheckpointFile}; the caller owns the returned tensors. */
export function readCheckpointFile(file: string): { meta: unknown; tensors: Map<string, tf.Tensor> } {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new CheckpointError(`'${file}' is not a dyrep checkpoint (bad magic bytes)`);
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) throw new CheckpointError(`checkpoint '${file}' is truncated (header needs ${headerLength} bytes, file has ${buf.length - 12})`);
  let header: { meta: unknown; tensors: TensorEntry[]; payloadBytes: number; crc32: number };
  try {
    header = JSON.parse(buf.subarray(12, 12 + headerLength).toString('utf8'));
  } catch {
    throw new CheckpointError(`checkpoint '${file}' has a corrupt header`);
  }
  const payload = buf.subarray(12 + headerLength);
  if (payload.length !== header.payloadBytes) {
    throw new CheckpointError(`checkpoint '${file}' is truncated: payload has ${payload.length} of ${header.payloadBytes} bytes`);
  }
  if (crc32(payload) !== header.crc32) throw new CheckpointError(`checkpoint '${file}' is corrupt: payload checksum mismatch`);
  const tensors = new Map<string, tf.Tensor>();
  for (const e of header.tensors) {
    const copy = new Float32Array(e.length / 4);
    Buffer.from(copy.buffer).set(payload.subarray(e.offset, e.offset + e.length));
    tensors.set(e.key, tf.tensor(copy, e.shape, 'float32'));
  }
  return { meta: header.meta, tensors };
}
