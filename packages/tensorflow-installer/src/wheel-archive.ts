// Reading a wheel (a zip file): its entry list, small text entries, and streamed extraction.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { InstallError } from './install-error';

/** An open wheel. Call {@link WheelArchive.close} when done. */
export interface WheelArchive {
  /** Entry name → uncompressed size, for every file (directories left out). */
  readonly entries: ReadonlyMap<string, number>;
  readText(name: string): Promise<string>;
  /** Streams one entry to `dest` (parent directories are created). */
  extract(name: string, dest: string): Promise<void>;
  close(): void;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => (err || !zip ? reject(err ?? new Error('no zip')) : resolve(zip)));
  });
}

function readAllEntries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, yauzl.Entry>();
    zip.on('entry', (e: yauzl.Entry) => {
      if (!e.fileName.endsWith('/')) out.set(e.fileName, e);
      zip.readEntry();
    });
    zip.once('end', () => resolve(out));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err ?? new Error('no stream')) : resolve(stream)));
  });
}

/** Opens `path` as a zip; a file that is not one is reported as an invalid wheel. */
export async function openWheel(path: string): Promise<WheelArchive> {
  let zip: yauzl.ZipFile;
  let raw: Map<string, yauzl.Entry>;
  try {
    zip = await openZip(path);
    raw = await readAllEntries(zip);
  } catch (err) {
    throw new InstallError('wheel-invalid', `${path} is not a readable wheel (zip): ${(err as Error).message}`);
  }
  const entries = new Map([...raw].map(([name, e]) => [name, e.uncompressedSize] as const));
  const get = (name: string) => {
    const e = raw.get(name);
    if (!e) throw new InstallError('wheel-contents', `the wheel has no ${name}`);
    return e;
  };
  return {
    entries,
    async readText(name) {
      const chunks: Buffer[] = [];
      for await (const c of await entryStream(zip, get(name))) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async extract(name, dest) {
      await mkdir(dirname(dest), { recursive: true });
      await pipeline(await entryStream(zip, get(name)), createWriteStream(dest));
    },
    close() {
      zip.close();
    },
  };
}
