import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '../data-error';

/** A decoded image: RGBA, 8 bits per channel, row-major. */
export interface DecodedRgba {
  width: number;
  height: number;
  data: Uint8Array;
}

const isPng = (b: Uint8Array): boolean => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decodes PNG (pngjs) or JPEG (jpeg-js), chosen by the file's signature, to 8-bit RGBA. */
export function decodeImage(bytes: Uint8Array, source: string): DecodedRgba {
  try {
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new DataError('decode-failed', `${source}: cannot decode image (${(err as Error).message})`, { path: source, cause: err });
  }
  throw new DataError('decode-failed', `${source}: not a PNG or JPEG file (unrecognised signature ${Array.from(bytes.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ')})`, { path: source });
}
