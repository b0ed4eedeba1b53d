/** Thrown when COCO JSON or its images are malformed; `issues` lists every problem found (one per line of the message). */
export class CocoFormatError extends Error {
  /** Every problem found, each naming the offending entry (annotation id, image file, index...). */
  readonly issues: readonly string[];

  constructor(what: string, issues: readonly string[]) {
    const shown = issues.slice(0, MAX_SHOWN);
    const more = issues.length > MAX_SHOWN ? [`... and ${issues.length - MAX_SHOWN} more`] : [];
    super([`${what}: ${issues.length} problem(s)`, ...shown, ...more].join('\n  '));
    this.name = 'CocoFormatError';
    this.issues = issues;
  }
}

const MAX_SHOWN = 20;
