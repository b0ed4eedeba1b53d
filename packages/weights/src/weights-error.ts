/**
 * A weights file that cannot be used: malformed, lying about its offsets, of an unsupported dtype,
 * or not matching the model. The message is one line that starts with the file it is about.
 */
export class WeightsError extends Error {
  constructor(
    /** The file (or other source) the problem is in, as given by the caller. */
    readonly source: string,
    /** The cause, without the source. */
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'WeightsError';
  }
}
