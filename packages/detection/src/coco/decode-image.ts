import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

/** Channel count of decoded images: 1 = luma (BT.601), 3 = RGB, 4 = RGBA. */
export type ImageChannels = 1 | 3 | 4;

/** A decoded image: `data` is uint8, row-major `[height, width, channels]`. */
export interface DecodedImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: ImageChannels;
}

/**
 * Decodes PNG or JPEG bytes (format detected from the signature, not the file name) into uint8
 * `[H, W, C]`. `source` names the file in error messages. Uses pure-JS pngjs and jpeg-js.
 */
export function decodeImage(bytes: Uint8Array, channels: ImageChannels = 3, source = 'image'): DecodedImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view, no copy
  let rgba: { data: ArrayLike<number>; width: number; height: number };
  try {
    if (isPng(buffer)) {
      rgba = pngjs.PNG.sync.read(buffer);
    } else if (isJpeg(buffer)) {
      rgba = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048 });
    } else {
      throw new Error('not a PNG or JPEG file (unknown signature)');
    }
  } catch (e) {
    throw new Error(`cannot decode ${source}: ${(e as Error).message}`);
  }
  return { data: fromRgba(rgba.data, rgba.width * rgba.height, channels), height: rgba.height, width: rgba.width, channels };
}

function isPng(b: ArrayLike<number>): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function isJpeg(b: ArrayLike<number>): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
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
