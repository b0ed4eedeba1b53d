import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DataError, type DataErrorCode } from '../src/index';

/** The monorepo root (packages/data/test → ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The shared Fashion-MNIST copy beside the repository, else the copy carried in it. */
export function fashionMnistDir(): string {
  const shared = resolve(repoRoot, '..', 'shared', 'data', 'fashion-mnist');
  return existsSync(join(shared, 'train-images-idx3-ubyte.gz')) ? shared : resolve(repoRoot, 'data', 'fashion-mnist');
}

/** Creates a temporary directory for the enclosing suite and removes it afterwards. */
export function useTempDir(prefix = 'dyrep-data-'): () => string {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** Builds an IDX buffer with the given type byte, dims and payload. */
export function idxBuffer(type: number, dims: number[], payload: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  out.set(payload, header.length);
  return out;
}

/** Awaits `p` and asserts it rejects with a DataError of `code` whose message matches every pattern. */
export async function expectDataError(p: Promise<unknown> | (() => unknown), code: DataErrorCode, ...patterns: (string | RegExp)[]): Promise<DataError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DataError to be thrown').to.be.instanceOf(DataError);
  const e = caught as DataError;
  expect(e.code, e.message).to.equal(code);
  for (const pat of patterns) {
    if (typeof pat === 'string') expect(e.message).to.include(pat);
    else expect(e.message).to.match(pat);
  }
  return e;
}

/** A Uint8Array view of a Buffer (the pinned @types/node Buffer type does not match TS 5.9's Uint8Array). */
function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads a file as bytes. */
export function readBytes(path: string): Uint8Array {
  return u8(readFileSync(path));
}

/** Writes bytes (or a string) to a file. */
export function writeBytes(path: string, data: Uint8Array | Buffer | string): void {
  writeFileSync(path, typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** gzip / gunzip on Uint8Arrays. */
export const gzip = (b: Uint8Array): Uint8Array => u8(gzipSync(b));
export const gunzip = (b: Uint8Array): Uint8Array => u8(gunzipSync(b));

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
