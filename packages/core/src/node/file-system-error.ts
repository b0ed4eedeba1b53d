/** Plain-language reasons for the error codes a user can do something about. */
const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (the file-size limit, ulimit -f?)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'exists already',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ESHORT: 'short write: the bytes read back differ from those written',
};

/** `CODE (reason)` for a Node file-system error, or its message when it has no code. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code) return REASONS[code] ? `${code} (${REASONS[code]})` : code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A file operation that failed, with a one-line message naming the file and the reason, e.g.
 * `cannot write 'runs/a/checkpoint/last.ckpt': ENOSPC (no space left on device); the previous file is unchanged`.
 */
export class FileSystemError extends Error {
  /** The error code (`ENOSPC`, `EFBIG`, …), when the cause had one. */
  readonly code?: string;

  constructor(
    readonly action: string,
    readonly path: string,
    override readonly cause: unknown,
    note = '',
  ) {
    super(`cannot ${action} '${path}': ${describeFsError(cause)}${note}`);
    this.name = 'FileSystemError';
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}
