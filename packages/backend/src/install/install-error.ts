/** Why `dyrep-backend install-tensorflow` stopped; `code` is stable, `message` says what to do. */
export type InstallErrorCode =
  | 'usage'
  | 'wheel-missing'
  | 'wheel-invalid'
  | 'wheel-platform'
  | 'wheel-package'
  | 'wheel-contents'
  | 'headers-missing'
  | 'symbols-missing'
  | 'toolchain'
  | 'npm-install'
  | 'pip-download'
  | 'disk-space'
  | 'build-failed'
  | 'verify-failed';

/** An install failure the CLI reports as one clear message (no stack trace) and exit code 1. */
export class InstallError extends Error {
  readonly code: InstallErrorCode;

  constructor(code: InstallErrorCode, message: string) {
    super(message);
    this.name = 'InstallError';
    this.code = code;
  }
}
