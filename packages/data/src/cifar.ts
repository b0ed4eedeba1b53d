import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from './data-error';
import { createInMemoryDataset, type Dataset } from './dataset';
import { isFile, readMaybeGzip } from './internal/read-file';
import { resolveDatasetDir, type ResolveDataDirOptions, type ResolvedDataDir } from './resolve-data-dir';

/** CIFAR-10 class names, indexed by label. */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);

/** CIFAR-100 fine class names, indexed by fine label. */
export const CIFAR100_CLASSES: readonly string[] = Object.freeze(
  (
    'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can ' +
    'castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin ' +
    'elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster ' +
    'man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck ' +
    'pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk ' +
    'skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger ' +
    'tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm'
  ).split(' '),
);

/** CIFAR-100 coarse (super-class) names, indexed by coarse label. */
export const CIFAR100_COARSE_CLASSES: readonly string[] = Object.freeze(
  (
    'aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices ' +
    'household_furniture insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes ' +
    'large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people reptiles small_mammals trees ' +
    'vehicles_1 vehicles_2'
  ).split(' '),
);

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = 3 * PIXELS;

/** Layout of one CIFAR binary variant. */
export interface CifarFormat {
  /** Label bytes before each image: 1 for CIFAR-10, 2 (coarse, fine) for CIFAR-100. */
  labelBytes: 1 | 2;
  /** Which of the label bytes to use (CIFAR-100: 0 = coarse, 1 = fine). */
  labelIndex: number;
  /** Number of classes, for the range check. */
  numClasses: number;
}

/** CIFAR-10 binary layout (`<1 label byte><3072 pixel bytes>`). */
export const CIFAR10_FORMAT: CifarFormat = Object.freeze({ labelBytes: 1, labelIndex: 0, numClasses: 10 });

/** CIFAR-100 binary layout (`<coarse><fine><3072 pixel bytes>`), fine or coarse labels. */
export function cifar100Format(labels: 'fine' | 'coarse' = 'fine'): CifarFormat {
  return labels === 'fine' ? { labelBytes: 2, labelIndex: 1, numClasses: 100 } : { labelBytes: 2, labelIndex: 0, numClasses: 20 };
}

/** Images (NHWC uint8, 32×32×3) and labels decoded from CIFAR binary records. */
export interface CifarRecords {
  images: Uint8Array;
  labels: Int32Array;
}

/**
 * Decodes CIFAR binary records: each is the label byte(s) then 1024 R, 1024 G, 1024 B bytes (planar,
 * row-major); the planes are interleaved into NHWC. Throws {@link DataError} `bad-length` when the
 * byte count is not a positive multiple of the record size, `label-out-of-range` for a bad label.
 */
export function parseCifarBinary(bytes: Uint8Array, format: CifarFormat, source = '<buffer>'): CifarRecords {
  const record = format.labelBytes + IMAGE_BYTES;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new DataError(
      'bad-length',
      `${source}: ${bytes.length} bytes is not a positive multiple of the ${record}-byte CIFAR record (${format.labelBytes} label byte(s) + 3072 pixels); the file is truncated or not in this CIFAR format`,
      { path: source },
    );
  }
  const n = bytes.length / record;
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * record;
    const label = bytes[base + format.labelIndex];
    if (label >= format.numClasses) {
      throw new DataError('label-out-of-range', `${source}: label ${label} of record ${i} is outside [0, ${format.numClasses - 1}]`, { path: source });
    }
    labels[i] = label;
    const src = base + format.labelBytes;
    const dst = i * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      images[dst + 3 * p] = bytes[src + p];
      images[dst + 3 * p + 1] = bytes[src + PIXELS + p];
      images[dst + 3 * p + 2] = bytes[src + 2 * PIXELS + p];
    }
  }
  return { images, labels };
}

/** Reads one CIFAR binary file (raw, or gzip when named `.gz`). */
export async function readCifarFile(path: string, format: CifarFormat): Promise<CifarRecords> {
  return parseCifarBinary(await readMaybeGzip(path, 'CIFAR reader'), format, path);
}

/** Options of {@link loadCifar10} / {@link loadCifar100}. */
export interface CifarLoadOptions extends Omit<ResolveDataDirOptions, 'dataDir'> {
  /** Directory holding the `.bin` files (or its parent with `cifar-10-batches-bin` / `cifar-100-binary`). */
  dataDir?: string;
  /** `train` (50,000) or `test` (10,000). Default `train`. */
  split?: 'train' | 'test';
}

async function readClassNames(path: string, fallback: readonly string[]): Promise<readonly string[]> {
  if (!(await isFile(path))) return fallback;
  const names = (await readFile(path, 'utf8'))
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return names.length === fallback.length ? names : fallback;
}

async function readCifarSplit(dir: string, files: string[], format: CifarFormat, classNames: readonly string[], name: string): Promise<Dataset> {
  const parts: CifarRecords[] = [];
  for (const f of files) {
    const path = join(dir, f);
    if (!(await isFile(path))) {
      throw new DataError('not-found', `${name}: missing file ${path} (the split needs ${files.join(', ')} in ${dir})`, { path });
    }
    parts.push(await readCifarFile(path, format));
  }
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Int32Array(n);
  let off = 0;
  for (const p of parts) {
    images.set(p.images, off * IMAGE_BYTES);
    labels.set(p.labels, off);
    off += p.labels.length;
  }
  return createInMemoryDataset({ name, classNames, imageShape: [SIDE, SIDE, 3], images, labels });
}

const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];

/** Resolves the CIFAR-10 binary directory (same fallbacks as Fashion-MNIST, name `cifar10`). */
export function resolveCifar10Dir(dataDir?: string, options: Omit<ResolveDataDirOptions, 'dataDir'> = {}): Promise<ResolvedDataDir> {
  return resolveDatasetDir(
    {
      name: 'cifar10',
      subdirs: ['cifar-10-batches-bin'],
      holdsData: async (d) => (await isFile(join(d, 'data_batch_1.bin'))) || (await isFile(join(d, 'test_batch.bin'))),
      lookingFor: 'data_batch_1.bin or test_batch.bin',
    },
    { ...options, dataDir },
  );
}

/** Resolves the CIFAR-100 binary directory (name `cifar100`, sub-directory `cifar-100-binary`). */
export function resolveCifar100Dir(dataDir?: string, options: Omit<ResolveDataDirOptions, 'dataDir'> = {}): Promise<ResolvedDataDir> {
  return resolveDatasetDir(
    {
      name: 'cifar100',
      subdirs: ['cifar-100-binary'],
      holdsData: async (d) => (await isFile(join(d, 'train.bin'))) || (await isFile(join(d, 'test.bin'))),
      lookingFor: 'train.bin or test.bin',
    },
    { ...options, dataDir },
  );
}

/** Loads a CIFAR-10 split from the binary version (`data_batch_{1..5}.bin`, `test_batch.bin`). */
export async function loadCifar10(options: CifarLoadOptions = {}): Promise<Dataset> {
  const { dataDir, split = 'train', ...rest } = options;
  const { dir } = await resolveCifar10Dir(dataDir, rest);
  const classNames = await readClassNames(join(dir, 'batches.meta.txt'), CIFAR10_CLASSES);
  return readCifarSplit(dir, split === 'train' ? CIFAR10_TRAIN_FILES : ['test_batch.bin'], CIFAR10_FORMAT, classNames, `cifar10/${split}`);
}

/** Loads a CIFAR-100 split from the binary version (`train.bin`, `test.bin`), fine labels by default. */
export async function loadCifar100(options: CifarLoadOptions & { labels?: 'fine' | 'coarse' } = {}): Promise<Dataset> {
  const { dataDir, split = 'train', labels = 'fine', ...rest } = options;
  const { dir } = await resolveCifar100Dir(dataDir, rest);
  const classNames = labels === 'fine' ? await readClassNames(join(dir, 'fine_label_names.txt'), CIFAR100_CLASSES) : await readClassNames(join(dir, 'coarse_label_names.txt'), CIFAR100_COARSE_CLASSES);
  return readCifarSplit(dir, [split === 'train' ? 'train.bin' : 'test.bin'], cifar100Format(labels), classNames, `cifar100/${split}`);
}
