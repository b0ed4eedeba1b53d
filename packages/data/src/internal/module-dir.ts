import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of this module's file, in ESM (import.meta.url) or CJS (__dirname) builds; else cwd. */
export function moduleDir(): string {
  try {
    const url = import.meta.url;
    if (typeof url === 'string' && url.startsWith('file:')) return dirname(fileURLToPath(url));
  } catch {
    // import.meta is unavailable in the CJS build
  }
  if (typeof __dirname === 'string') return __dirname;
  return process.cwd();
}
