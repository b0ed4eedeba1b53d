import { join } from 'node:path';
import { DataError } from './data-error';
import { createInMemoryDataset, type Dataset } from './dataset';
import { firstFile, readMaybeGzip } from './internal/read-file';

/** Element types of the IDX format, by their type byte. */
const IDX_TYPES: Record<number, { name: IdxArray['type']; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** A decoded IDX tensor: its dimensions and its values (row-major). */
export interface IdxArray {
  /** Element type from the header. */
  type: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  /** Dimension sizes from the header. */
  dims: number[];
  /** Values; a zero-copy view for uint8/int8, a converted copy for wider (big-endian) types. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * Parses an IDX buffer (the MNIST format: `0x00 0x00 type ndims`, big-endian uint32 dims, data).
 * Throws {@link DataError} `bad-magic` for a wrong header, `truncated` when the data is shorter than
 * the header promises and `bad-length` when bytes trail after it. `source` names the file in errors.
 */
export function parseIdx(bytes: Uint8Array, source = '<buffer>'): IdxArray {
  if (bytes.length < 4) {
    throw new DataError('truncated', `${source}: ${bytes.length} bytes is too short for an IDX header (need at least 4)`, { path: source });
  }
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const typeInfo = IDX_TYPES[bytes[2]];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !typeInfo || ndims === 0) {
    throw new DataError(
      'bad-magic',
      `${source}: bad IDX magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x0000TTNN with type TT in 08,09,0b,0c,0d,0e and NN ≥ 1 dimensions, e.g. 0x00000803 for images, 0x00000801 for labels)`,
      { path: source },
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError('truncated', `${source}: truncated IDX header (${bytes.length} bytes, need ${headerBytes} for ${ndims} dimensions)`, { path: source });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expected = headerBytes + count * typeInfo.bytes;
  if (bytes.length < expected) {
    throw new DataError('truncated', `${source}: truncated IDX file: header declares [${dims.join(', ')}] ${typeInfo.name} (${expected} bytes) but the file has ${bytes.length} bytes`, {
      path: source,
    });
  }
  if (bytes.length > expected) {
    throw new DataError(
      'bad-length',
      `${source}: IDX file has ${bytes.length - expected} unexpected trailing bytes after the [${dims.join(', ')}] ${typeInfo.name} data declared in its header (${expected} bytes)`,
      { path: source },
    );
  }
  const start = bytes.byteOffset + headerBytes;
  let data: IdxArray['data'];
  switch (typeInfo.name) {
    case 'uint8':
      data = new Uint8Array(bytes.buffer, start, count);
      break;
    case 'int8':
      data = new Int8Array(bytes.buffer, start, count);
      break;
    default: {
      const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[typeInfo.name];
      const out = new Ctor(count);
      for (let i = 0, o = headerBytes; i < count; i++, o += typeInfo.bytes) {
        out[i] =
          typeInfo.name === 'int16'
            ? view.getInt16(o, false)
            : typeInfo.name === 'int32'
              ? view.getInt32(o, false)
              : typeInfo.name === 'float32'
                ? view.getFloat32(o, false)
                : view.getFloat64(o, false);
      }
      data = out;
    }
  }
  return { type: typeInfo.name, dims, data };
}

/** Reads and parses an IDX file, raw or gzip-compressed (`.gz`). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const bytes = await readMaybeGzip(path, 'IDX reader');
  return parseIdx(bytes, path);
}

/** Options of {@link readIdxDataset}. */
export interface IdxDatasetFiles {
  /** Path to the images file (`[N, H, W]` uint8), raw or `.gz`. */
  imagesPath: string;
  /** Path to the labels file (`[N]` uint8), raw or `.gz`. */
  labelsPath: string;
  /** Class names indexed by label. */
  classNames: readonly string[];
  /** Dataset name used in messages. */
  name: string;
}

/**
 * Reads an images/labels pair of IDX files into a {@link Dataset} (`imageShape` `[H, W, 1]`, uint8).
 * Checks that the images are 3-D uint8, the labels 1-D, the counts equal, and every label in range.
 */
export async function readIdxDataset(files: IdxDatasetFiles): Promise<Dataset> {
  const [images, labels] = await Promise.all([readIdxFile(files.imagesPath), readIdxFile(files.labelsPath)]);
  if (images.type !== 'uint8' || images.dims.length !== 3) {
    throw new DataError('bad-magic', `${files.imagesPath}: expected an IDX images file of uint8 [N, H, W] (magic 0x00000803), got ${images.type} [${images.dims.join(', ')}]`, {
      path: files.imagesPath,
    });
  }
  if (labels.dims.length !== 1 || (labels.type !== 'uint8' && labels.type !== 'int8' && labels.type !== 'int32')) {
    throw new DataError('bad-magic', `${files.labelsPath}: expected an IDX labels file of uint8 [N] (magic 0x00000801), got ${labels.type} [${labels.dims.join(', ')}]`, { path: files.labelsPath });
  }
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DataError('count-mismatch', `${files.name}: ${files.imagesPath} holds ${n} images but ${files.labelsPath} holds ${labels.dims[0]} labels`, { path: files.labelsPath });
  }
  const labels32 = Int32Array.from(labels.data as ArrayLike<number>);
  for (let i = 0; i < labels32.length; i++) {
    if (labels32[i] < 0 || labels32[i] >= files.classNames.length) {
      throw new DataError(
        'label-out-of-range',
        `${files.labelsPath}: label ${labels32[i]} at index ${i} is outside [0, ${files.classNames.length - 1}] (${files.classNames.length} classes of ${files.name})`,
        { path: files.labelsPath },
      );
    }
  }
  return createInMemoryDataset({ name: files.name, classNames: files.classNames, imageShape: [h, w, 1], images: images.data as Uint8Array, labels: labels32 });
}

/** The two IDX file stems of a split, as MNIST and Fashion-MNIST name them. */
export function idxFileStems(split: 'train' | 'test'): { images: string; labels: string } {
  const p = split === 'train' ? 'train' : 't10k';
  return { images: `${p}-images-idx3-ubyte`, labels: `${p}-labels-idx1-ubyte` };
}

/** Names tried for a stem: `.gz` first, then raw, in both the `-idx3-` and `.idx3-` spellings. */
export function idxFileCandidates(stem: string): string[] {
  const dotted = stem.replace(/-(idx\d)-/, '.$1-');
  return [`${stem}.gz`, stem, `${dotted}.gz`, dotted];
}

/**
 * Reads a split of an MNIST-layout directory (`train-*` / `t10k-*` IDX files, raw or `.gz`).
 * Throws a `not-found` {@link DataError} naming the directory and every file name tried.
 */
export async function readIdxSplit(dir: string, split: 'train' | 'test', classNames: readonly string[], name: string): Promise<Dataset> {
  const stems = idxFileStems(split);
  const imagesNames = idxFileCandidates(stems.images);
  const labelsNames = idxFileCandidates(stems.labels);
  const [imagesPath, labelsPath] = await Promise.all([firstFile(dir, imagesNames, join), firstFile(dir, labelsNames, join)]);
  if (!imagesPath || !labelsPath) {
    const missing = !imagesPath ? imagesNames : labelsNames;
    throw new DataError('not-found', `${name}: no ${!imagesPath ? 'images' : 'labels'} file for split '${split}' in ${dir} (looked for ${missing.join(', ')})`, { path: dir });
  }
  return readIdxDataset({ imagesPath, labelsPath, classNames, name: `${name}/${split}` });
}
