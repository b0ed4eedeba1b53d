import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '@dyrep/core/node';

const MAGIC = Buffer.from('DYREPCK2', 'latin1');
const OLD_MAGIC = Buffer.from('DYREPCK1', 'latin1');
const PREFIX = 16; // magic, u32 header length, u32 CRC-32 of the header

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

interface Header {
  meta: unknown;
  tensors: TensorEntry[];
  payloadBytes: number;
  payloadCrc32: number;
}

/**
 * Serialises `meta` (JSON) and float32 `tensors` to checkpoint bytes. Layout: magic `DYREPCK2`,
 * u32 header length, u32 CRC-32 of the header, JSON header (meta, tensor index with shapes and
 * offsets, payload length and CRC-32), then the raw little-endian float32 payload. Both checksums
 * mean any changed byte — an offset digit in the header as much as a weight — is detected on read.
 */
export function encodeCheckpoint(meta: unknown, tensors: ReadonlyMap<string, tf.Tensor>): Uint8Array {
  const entries: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [key, t] of tensors) {
    const bytes = Buffer.from(new Float32Array(t.dataSync()).buffer);
    entries.push({ key, shape: t.shape, offset, length: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const payload = Buffer.concat(chunks);
  const header = Buffer.from(JSON.stringify({ meta, tensors: entries, payloadBytes: payload.length, payloadCrc32: crc32(payload) } satisfies Header), 'utf8');
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix);
  prefix.writeUInt32LE(header.length, 8);
  prefix.writeUInt32LE(crc32(header), 12);
  return Buffer.concat([prefix, header, payload]);
}

/** Writes {@link encodeCheckpoint}'s bytes to `file` with the project's atomic writer (`writeFileAtomic`). */
export async function writeCheckpointFile(file: string, meta: unknown, tensors: ReadonlyMap<string, tf.Tensor>): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(meta, tensors));
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Checks the tensor index against the payload: keys unique, shapes of counts, entries contiguous, sizes = 4 × elements. */
function checkIndex(header: Header, corrupt: (why: string) => CheckpointError): void {
  if (!Array.isArray(header.tensors) || !isCount(header.payloadBytes)) throw corrupt('the header has no tensor index');
  const keys = new Set<string>();
  let end = 0;
  for (const e of header.tensors) {
    if (typeof e?.key !== 'string' || keys.has(e.key)) throw corrupt(`tensor key ${JSON.stringify(e?.key)} is missing or repeated`);
    keys.add(e.key);
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) throw corrupt(`tensor '${e.key}' has an invalid shape ${JSON.stringify(e.shape)}`);
    const elements = e.shape.reduce((a, b) => a * b, 1);
    if (e.length !== elements * 4) throw corrupt(`tensor '${e.key}' of shape [${e.shape.join(', ')}] needs ${elements * 4} bytes, the index says ${e.length}`);
    if (e.offset !== end) throw corrupt(`tensor '${e.key}' starts at byte ${e.offset}, expected ${end}`);
    end += e.length;
  }
  if (end !== header.payloadBytes) throw corrupt(`the tensors cover ${end} bytes of a ${header.payloadBytes}-byte payload`);
}

/**
 * Parses checkpoint bytes (see {@link encodeCheckpoint}); `source` names them in errors. The
 * header checksum, the payload length and checksum, and every tensor's shape and offset are
 * validated before any tensor is made; the caller owns the returned tensors.
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string): { meta: unknown; tensors: Map<string, tf.Tensor> } {
  const { header, payload } = validateCheckpoint(bytes, source);
  const tensors = new Map<string, tf.Tensor>();
  for (const e of header.tensors) {
    const copy = new Float32Array(e.length / 4);
    Buffer.from(copy.buffer).set(payload.subarray(e.offset, e.offset + e.length));
    tensors.set(e.key, tf.tensor(copy, e.shape, 'float32'));
  }
  return { meta: header.meta, tensors };
}

/** The metadata of checkpoint bytes after every check of {@link decodeCheckpoint}, without making tensors (no backend needed). */
export function decodeCheckpointMeta(bytes: Uint8Array, source: string): unknown {
  return validateCheckpoint(bytes, source).header.meta;
}

function validateCheckpoint(bytes: Uint8Array, source: string): { header: Header; payload: Buffer } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (why: string) => new CheckpointError(`checkpoint '${source}' is corrupt: ${why}`);
  if (buf.length >= 8 && buf.subarray(0, 8).equals(OLD_MAGIC)) {
    throw new CheckpointError(`'${source}' is a checkpoint of an older format (DYREPCK1, payload-only checksum); train again to get a DYREPCK2 checkpoint`);
  }
  if (buf.length < PREFIX || !buf.subarray(0, 8).equals(MAGIC)) throw new CheckpointError(`'${source}' is not a dyrep checkpoint (bad magic bytes)`);
  const headerLength = buf.readUInt32LE(8);
  if (PREFIX + headerLength > buf.length) throw new CheckpointError(`checkpoint '${source}' is truncated (header needs ${headerLength} bytes, file has ${buf.length - PREFIX})`);
  const headerBytes = buf.subarray(PREFIX, PREFIX + headerLength);
  if (crc32(headerBytes) !== buf.readUInt32LE(12)) throw corrupt('header checksum mismatch');
  let header: Header;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as Header;
  } catch {
    throw corrupt('the header is not JSON');
  }
  checkIndex(header, corrupt);
  const payload = buf.subarray(PREFIX + headerLength);
  if (payload.length !== header.payloadBytes) {
    throw new CheckpointError(`checkpoint '${source}' is truncated: payload has ${payload.length} of ${header.payloadBytes} bytes`);
  }
  if (crc32(payload) !== header.payloadCrc32) throw corrupt('payload checksum mismatch');
  return { header, payload };
}

/** Reads a file written by {@link writeCheckpointFile}; the caller owns the returned tensors. */
export function readCheckpointFile(file: string): { meta: unknown; tensors: Map<string, tf.Tensor> } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeCheckpoint(bytes, file);
}
