import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from './data-error';

/** Channel count of decoded images: 1 = luma (BT.601), 3 = RGB, 4 = RGBA. */
export type ImageChannels = 1 | 3 | 4;

/** A decoded image: `data` is uint8, row-major `[height, width, channels]`. */
export interface DecodedImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: ImageChannels;
}

const isPng = (b: Uint8Array): boolean => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/**
 * Decodes PNG (pngjs) or JPEG (jpeg-js) bytes, the format chosen by the file's signature (not its
 * name), to uint8 `[H, W, channels]`. `source` names the file in errors: a {@link DataError}
 * `decode-failed` for an unknown signature or a corrupt file.
 */
export function decodeImage(bytes: Uint8Array, channels: ImageChannels = 3, source = 'image'): DecodedImage {
  let rgba: { data: ArrayLike<number>; width: number; height: number };
  try {
    if (isPng(bytes)) rgba = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    else if (isJpeg(bytes)) rgba = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048 });
    else {
      const signature = Array.from(bytes.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ');
      throw new DataError('decode-failed', `${source}: not a PNG or JPEG file (unrecognised signature ${signature})`, { path: source });
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError('decode-failed', `${source}: cannot decode image (${(err as Error).message})`, { path: source, cause: err });
  }
  return { data: fromRgba(rgba.data, rgba.width * rgba.height, channels), height: rgba.height, width: rgba.width, channels };
}

function fromRgba(rgba: ArrayLike<number>, pixels: number, channels: ImageChannels): Uint8Array {
  const out = new Uint8Array(pixels * channels);
  if (channels === 4) {
    out.set(rgba);
    return out;
  }
  for (let p = 0; p < pixels; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (channels === 3) {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    } else {
      out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  return out;
}
