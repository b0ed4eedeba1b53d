import { writeFileAtomic } from '@dyrep/core/node';

/** Options of {@link writeCocoJson}. */
export interface WriteCocoJsonOptions {
  /** Indentation passed to JSON.stringify; default none (COCO files are large). */
  indent?: number;
}

/**
 * Writes COCO JSON (ground truth or detections) with `writeFileAtomic` of `@dyrep/core/node`, so
 * readers never see a half-written file and a failed write keeps the previous one. Creates the
 * directory if needed. Non-finite numbers are rejected instead of being written as null.
 */
export async function writeCocoJson(path: string, value: unknown, options: WriteCocoJsonOptions = {}): Promise<void> {
  const text = JSON.stringify(
    value,
    (key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) {
        throw new RangeError(`writeCocoJson: non-finite number ${v} at key '${key}'`);
      }
      return v;
    },
    options.indent,
  );
  await writeFileAtomic(path, `${text}\n`);
}
