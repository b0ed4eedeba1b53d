/** Why `dyrep-tensorflow-installer install` stopped; `code` is stable, `message` says what to do. */
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

/** An install failure the CLI reports as one clear message (no stack trace); exit code 2 for `usage`, 1 otherwise. */
export class InstallError extends Error {
  readonly code: InstallErrorCode;

  constructor(code: InstallErrorCode, message: string) {
    super(message);
    this.name = 'InstallError';
    this.code = code;
  }
}
