import * as tf from '@tensorflow/tfjs-core';
import CRC32 from 'crc-32';

const MAGIC = 'DYREPCK2';
const OLD_MAGIC = 'DYREPCK1';
const PREFIX = 16; // magic, u32 header length, u32 CRC-32 of the header

/** A checkpoint that cannot be read: missing, truncated, corrupt, or from another format. */
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

/** CRC-32 (IEEE, as zlib) of `bytes`, unsigned. */
function crc32(bytes: Uint8Array): number {
  return CRC32.buf(bytes) >>> 0;
}

function hasMagic(bytes: Uint8Array, magic: string): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) return false;
  return true;
}

/**
 * Serialises `meta` (JSON) and float32 `tensors` to checkpoint bytes. Layout: magic `DYREPCK2`,
 * u32 header length, u32 CRC-32 of the header, JSON header (meta, tensor index with shapes and
 * offsets, payload length and CRC-32), then the raw little-endian float32 payload. Both checksums
 * mean any changed byte — an offset digit in the header as much as a weight — is detected on read.
 * Browser-safe (no Node `Buffer`).
 */
export function encodeCheckpoint(meta: unknown, tensors: ReadonlyMap<string, tf.Tensor>): Uint8Array {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [key, t] of tensors) {
    const bytes = new Uint8Array(new Float32Array(t.dataSync()).buffer);
    entries.push({ key, shape: t.shape, offset, length: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const payload = new Uint8Array(offset);
  offset = 0;
  for (const c of chunks) {
    payload.set(c, offset);
    offset += c.length;
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, tensors: entries, payloadBytes: payload.length, payloadCrc32: crc32(payload) } satisfies Header));
  const out = new Uint8Array(PREFIX + header.length + payload.length);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, header.length, true);
  view.setUint32(12, crc32(header), true);
  out.set(header, PREFIX);
  out.set(payload, PREFIX + header.length);
  return out;
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
    // A copy: the payload's offset inside its buffer need not be a multiple of 4.
    const copy = new Float32Array(e.length / 4);
    new Uint8Array(copy.buffer).set(payload.subarray(e.offset, e.offset + e.length));
    tensors.set(e.key, tf.tensor(copy, e.shape, 'float32'));
  }
  return { meta: header.meta, tensors };
}

/** The metadata of checkpoint bytes after every check of {@link decodeCheckpoint}, without making tensors (no backend needed). */
export function decodeCheckpointMeta(bytes: Uint8Array, source: string): unknown {
  return validateCheckpoint(bytes, source).header.meta;
}

function validateCheckpoint(bytes: Uint8Array, source: string): { header: Header; payload: Uint8Array } {
  const corrupt = (why: string) => new CheckpointError(`checkpoint '${source}' is corrupt: ${why}`);
  if (hasMagic(bytes, OLD_MAGIC)) {
    throw new CheckpointError(`'${source}' is a checkpoint of an older format (DYREPCK1, payload-only checksum); train again to get a DYREPCK2 checkpoint`);
  }
  if (bytes.length < PREFIX || !hasMagic(bytes, MAGIC)) throw new CheckpointError(`'${source}' is not a dyrep checkpoint (bad magic bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (PREFIX + headerLength > bytes.length) throw new CheckpointError(`checkpoint '${source}' is truncated (header needs ${headerLength} bytes, file has ${bytes.length - PREFIX})`);
  const headerBytes = bytes.subarray(PREFIX, PREFIX + headerLength);
  if (crc32(headerBytes) !== view.getUint32(12, true)) throw corrupt('header checksum mismatch');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(headerBytes)) as Header;
  } catch {
    throw corrupt('the header is not JSON');
  }
  checkIndex(header, corrupt);
  const payload = bytes.subarray(PREFIX + headerLength);
  if (payload.length !== header.payloadBytes) {
    throw new CheckpointError(`checkpoint '${source}' is truncated: payload has ${payload.length} of ${header.payloadBytes} bytes`);
  }
  if (crc32(payload) !== header.payloadCrc32) throw corrupt('payload checksum mismatch');
  return { header, payload };
}
