/** What went wrong, as a stable machine-readable code on {@link DataError}. */
export type DataErrorCode = 'not-found' | 'bad-magic' | 'truncated' | 'bad-length' | 'count-mismatch' | 'label-out-of-range' | 'decode-failed' | 'unknown-dataset' | 'invalid-argument';

/**
 * The one error type thrown by `@dyrep/data` for bad inputs: missing or corrupt files, inconsistent
 * datasets, unknown names and invalid options. `code` is stable; `path` names the offending file or
 * directory when there is one. The message always says what was expected and what was found.
 */
export class DataError extends Error {
  /** Stable category of the failure. */
  readonly code: DataErrorCode;
  /** The file or directory concerned, when there is one. */
  readonly path?: string;

  constructor(code: DataErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataError';
    this.code = code;
    if (options.path !== undefined) this.path = options.path;
  }
}
