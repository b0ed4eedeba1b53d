import { DTYPE_BYTES, decodeToFloat32, isReadableDtype, type SafetensorsDtype } from './dtypes';
import { WeightsError } from './weights-error';

/** One tensor of a parsed safetensors file; its bytes are borrowed from the file's buffer. */
export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  /** PyTorch shape (row-major, e.g. OIHW for a conv kernel). */
  shape: number[];
  /** The tensor's raw little-endian bytes. */
  bytes: Uint8Array;
}

/** A parsed safetensors file: tensors by name, in file order, and the free-form `__metadata__`. */
export interface SafetensorsFile {
  /** Where the bytes came from (used in every message). */
  source: string;
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** A header larger than this is refused (the format's own reference limit). */
const MAX_HEADER_BYTES = 100_000_000;

/**
 * Parses safetensors bytes (an 8-byte little-endian header length, a JSON header, the tensor
 * data). Validates everything before anything is used: the header is JSON, every tensor has a
 * readable dtype, an integer shape and `data_offsets` inside the file whose length equals
 * `numel · bytes per element`, and the tensors tile the data region without gaps or overlaps.
 * Any problem throws a one-line {@link WeightsError} naming `source`.
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  const fail = (reason: string): never => {
    throw new WeightsError(source, reason);
  };
  if (bytes.byteLength < 8) fail(`not a safetensors file: ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) fail(`not a safetensors file: header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLength > bytes.byteLength) fail(`truncated: the header needs ${headerLength} bytes but only ${bytes.byteLength - 8} follow the length`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    fail(`not a safetensors file: the header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('not a safetensors file: the header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, fail);
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== 'object') fail(`tensor '${name}': header entry is not an object`);
    if (typeof info.dtype !== 'string') fail(`tensor '${name}': no dtype`);
    const dtype = info.dtype as string;
    if (!isReadableDtype(dtype)) fail(`tensor '${name}' has dtype ${dtype}, which is not supported (F32, F16, BF16, F64 and integer types are)`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = numel * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (end < begin) fail(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) fail(`tensor '${name}': data_offsets [${begin}, ${end}] reach past the end of the data (${dataLength} bytes; truncated file?)`);
    if (end - begin !== expected) fail(`tensor '${name}': data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${dtype} [${shape}] needs ${expected}`);
    spans.push([begin, end, name]);
    tensors.set(name, { dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end, name] of spans) {
    if (begin < cursor) fail(`tensor '${name}': data_offsets [${begin}, ${end}] overlap the previous tensor's data`);
    if (begin > cursor) fail(`tensor '${name}': data_offsets [${begin}, ${end}] leave bytes ${cursor}..${begin} unused`);
    cursor = end;
  }
  if (cursor !== dataLength) fail(`${dataLength - cursor} bytes after the last tensor's data are not described by the header`);
  return { source, tensors, metadata };
}

function parseMetadata(raw: unknown, fail: (reason: string) => never): Record<string, string> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('__metadata__ is not an object');
  for (const [k, v] of Object.entries(raw as object)) if (typeof v !== 'string') fail(`__metadata__ '${k}' is not a string`);
  return { ...(raw as Record<string, string>) };
}

/** The values of entry `name` of `file` as float32 (F16/BF16 widened); throws if absent. */
export function readFloat32(file: SafetensorsFile, name: string): Float32Array {
  const entry = file.tensors.get(name);
  if (!entry) throw new WeightsError(file.source, `no tensor '${name}'`);
  return decodeToFloat32(
    entry.bytes,
    entry.dtype,
    entry.shape.reduce((a, b) => a * b, 1),
  );
}

/** A tensor to write with {@link encodeSafetensors}. */
export interface TensorToWrite {
  dtype: 'F32' | 'I64';
  shape: number[];
  /** Row-major values (`F32`: float32; `I64`: integers). */
  values: Float32Array | number[];
}

/**
 * Serialises tensors (in the given order) and string metadata to safetensors bytes, as Python's
 * `safetensors.torch.save_file` lays them out: header padded with spaces to a multiple of 8, data
 * contiguous in header order.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, TensorToWrite>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (t.values.length !== numel) throw new Error(`encodeSafetensors: '${name}' has ${t.values.length} values for shape [${t.shape}]`);
    const size = numel * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  const pad = (8 - (encoder.encode(json).byteLength % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of tensors.values()) {
    if (t.dtype === 'F32') {
      const src = t.values instanceof Float32Array ? t.values : Float32Array.from(t.values);
      out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at);
      at += src.byteLength;
    } else {
      for (const v of t.values) {
        view.setBigInt64(at, BigInt(Math.round(v)), true);
        at += 8;
      }
    }
  }
  return out;
}
