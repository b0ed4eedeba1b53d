import { lstatSync, readFileSync, type Stats } from 'node:fs';
import { writeFileAtomic } from '@dyrep/core/node';
import { parseSafetensors } from '@dyrep/weights';
import { ConfigError } from '../config/load-config';

/** Metadata key that every safetensors export of ours carries (see `torchSafetensorsOf`). */
const OUR_KEY = 'dyrep.input-shape';

function statOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Why the existing `path` is not a previous safetensors export of ours, or `undefined` when it is one. */
function notOurs(path: string, s: Stats): string | undefined {
  if (!s.isFile()) return 'it is not a file';
  try {
    return OUR_KEY in parseSafetensors(new Uint8Array(readFileSync(path)), path).metadata ? undefined : `it has no '${OUR_KEY}' metadata`;
  } catch {
    return 'it is not a safetensors file';
  }
}

/**
 * Writes a safetensors export to `out` with the atomic writer. An existing `out` is refused unless
 * `overwrite` (a usage error, {@link ConfigError}), and even then only a safetensors file that we
 * exported is replaced (as `exportOnnx` and `exportTfjs` do for theirs; refusing anything else is a
 * failure, exit code 1, like theirs).
 */
export async function writeSafetensorsExport(out: string, bytes: Uint8Array, overwrite: boolean): Promise<void> {
  const s = statOf(out);
  if (s) {
    if (!overwrite) throw new ConfigError(`'${out}' exists already; pass --force to replace it (only a previous export is ever replaced)`);
    const why = notOurs(out, s);
    if (why) throw new Error(`'${out}' is not a previous export of ours (${why}), so it is left alone; remove it yourself or choose another path`);
  }
  await writeFileAtomic(out, bytes);
}
