import { readdir, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { DataError } from './data-error';
import { createInMemoryDataset, type Dataset } from './dataset';
import { decodeImage } from './decode-image';
import { bufferView, isDirectory } from './internal/read-file';
import { resizeBilinear } from './resize-bilinear';

/** File extensions read by {@link loadImageFolder} (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg']);

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Output size: `s` for s×s or `[H, W]`. Every image is bilinearly resized to it. Default 32. */
  size?: number | readonly [number, number];
  /** 3 for RGB (alpha dropped), 1 for luminance (0.299 R + 0.587 G + 0.114 B). Default 3. */
  channels?: 1 | 3;
  /** Use `root/<split>` when that directory exists (`test` also tries `val`). */
  split?: string;
  /** Fixed class list (e.g. the training set's); a sub-directory not in it is an error. Default: sorted sub-directory names. */
  classNames?: readonly string[];
  /** Dataset name for messages. Default `image-folder`. */
  name?: string;
}

async function splitRoot(root: string, split: string | undefined): Promise<string> {
  if (!split) return root;
  const names = split === 'test' ? ['test', 'val'] : split === 'val' ? ['val', 'test'] : [split];
  for (const n of names) if (await isDirectory(join(root, n))) return join(root, n);
  return root;
}

/**
 * Reads an ImageNet-style tree `root/<class>/<image>.{png,jpg,jpeg}` into a uint8 {@link Dataset}:
 * classes are the sorted sub-directory names, images are decoded with pngjs / jpeg-js (by file
 * signature), resized bilinearly to `size` and stored NHWC. Hidden entries and other files are
 * skipped; undecodable images, a missing root and an empty tree throw {@link DataError}.
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<Dataset> {
  const name = options.name ?? 'image-folder';
  const size = options.size ?? 32;
  const [outH, outW] = typeof size === 'number' ? [size, size] : size;
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new DataError('invalid-argument', `${name}: channels must be 1 or 3, got ${channels}`);
  const absRoot = resolve(root);
  if (!(await isDirectory(absRoot))) {
    throw new DataError('not-found', `${name}: image folder not found: ${absRoot} (expected a directory of class sub-directories)`, { path: absRoot });
  }
  const dir = await splitRoot(absRoot, options.split);
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  const subdirs = entries.map((e) => e.name).sort();
  const classNames = options.classNames ? [...options.classNames] : subdirs;
  const files: { path: string; label: number }[] = [];
  for (const sub of subdirs) {
    const label = classNames.indexOf(sub);
    if (label < 0) throw new DataError('label-out-of-range', `${name}: class directory '${sub}' in ${dir} is not one of the given classes (${classNames.join(', ')})`, { path: join(dir, sub) });
    const names = (await readdir(join(dir, sub), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    for (const n of names) files.push({ path: join(dir, sub, n), label });
  }
  if (files.length === 0) {
    throw new DataError('not-found', `${name}: no images found under ${dir} (looked for <class>/*{${IMAGE_EXTENSIONS.join(',')}} in ${subdirs.length} class directories)`, { path: dir });
  }
  const per = outH * outW * channels;
  const images = new Uint8Array(files.length * per);
  const labels = new Int32Array(files.length);
  for (let i = 0; i < files.length; i++) {
    const { path, label } = files[i];
    const img = decodeImage(bufferView(await readFile(path)), channels, path);
    const src = img.data;
    const resized = img.width === outW && img.height === outH ? src : resizeBilinear(src, [img.height, img.width, channels], outH, outW);
    const base = i * per;
    for (let k = 0; k < per; k++) images[base + k] = Math.min(255, Math.max(0, Math.round(resized[k])));
    labels[i] = label;
  }
  return createInMemoryDataset({ name, classNames, imageShape: [outH, outW, channels], images, labels });
}
